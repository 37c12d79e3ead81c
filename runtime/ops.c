/* The op list's descriptors by enum, and the lookups every caller shares. */
#include <string.h>

#include "ops.h"

static const chord_op_desc *const descs[CHORD_OP_COUNT] = {
#define CHORD_X(e, n, ...) [CHORD_OP_##e] = &chord_##n##_op,
    CHORD_OPS(CHORD_X)
#undef CHORD_X
};

const chord_op_desc *chord_op_desc_of(chord_op op) { return (op >= 0 && op < CHORD_OP_COUNT) ? descs[op] : NULL; }

const char *chord_op_name(chord_op op)
{
    const chord_op_desc *d = chord_op_desc_of(op);
    return d ? d->name : "unknown";
}

int chord_op_from_name(const char *name)
{
    for (int i = 0; i < CHORD_OP_COUNT; i++)
        if (strcmp(descs[i]->name, name) == 0)
            return i;
    return -1;
}

int chord_op_n_tensors(chord_op op)
{
    const chord_op_desc *d = chord_op_desc_of(op);
    return d ? d->n_tensors : 0;
}

int chord_op_n_outputs(chord_op op)
{
    const chord_op_desc *d = chord_op_desc_of(op);
    return !d ? 0 : d->n_outputs > 0 ? d->n_outputs : 1;
}

size_t chord_op_tensor_bytes(chord_op op, const void *args, int i)
{
    const chord_op_desc *d = chord_op_desc_of(op);
    return d && i >= 0 && i < d->n_tensors ? d->tensor_bytes(args, i) : 0;
}
