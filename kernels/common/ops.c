/* Names and tensor counts of the op table. */
#include "ops.h"

#include <string.h>

static const struct {
    const char *name;
    int n_tensors;
} ops[CHORD_OP_COUNT] = {
#define CHORD_X(e, n, t) [CHORD_OP_##e] = {#n, t},
    CHORD_OP_LIST(CHORD_X)
#undef CHORD_X
};

const char *chord_op_name(chord_op op)
{
    return (op >= 0 && op < CHORD_OP_COUNT) ? ops[op].name : "unknown";
}

int chord_op_from_name(const char *name)
{
    for (int i = 0; i < CHORD_OP_COUNT; i++)
        if (strcmp(ops[i].name, name) == 0)
            return i;
    return -1;
}

int chord_op_n_tensors(chord_op op)
{
    return (op >= 0 && op < CHORD_OP_COUNT) ? ops[op].n_tensors : 0;
}
