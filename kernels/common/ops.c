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

static size_t f32s(int64_t n)
{
    return n > 0 ? (size_t)n * sizeof(float) : 0; /* negative shapes are the op's to reject */
}

size_t chord_op_tensor_bytes(chord_op op, const void *args, int i)
{
    switch (op) {
    case CHORD_OP_MATMUL:
    case CHORD_OP_MATMUL_TILED: {
        const chord_matmul_args *m = args;
        if (i == 0)
            return m->n > 0 && m->k > 0 ? chord_type_row_bytes(m->wtype, m->k) * (size_t)m->n : 0;
        return i == 1 ? f32s((int64_t)m->m * m->k) : f32s((int64_t)m->m * m->n);
    }
    case CHORD_OP_RMSNORM: {
        const chord_rmsnorm_args *r = args;
        return i == 1 ? f32s(r->n_cols) : f32s((int64_t)r->n_rows * r->n_cols);
    }
    case CHORD_OP_SOFTMAX: {
        const chord_softmax_args *s = args;
        return f32s((int64_t)s->n_rows * s->n_cols);
    }
    case CHORD_OP_ROPE: {
        const chord_rope_args *r = args;
        return f32s((int64_t)r->n_tok * r->n_head * r->head_dim);
    }
    case CHORD_OP_DEQUANT: {
        const chord_dequant_args *d = args;
        return i == 0 ? (d->n > 0 ? chord_type_row_bytes(d->type, d->n) : 0) : f32s(d->n);
    }
    case CHORD_OP_ADD:
        return f32s(((const chord_add_args *)args)->n);
    case CHORD_OP_SWIGLU:
        return f32s(((const chord_swiglu_args *)args)->n);
    case CHORD_OP_ATTENTION: {
        const chord_attention_args *a = args;
        if (i == 1 || i == 2) /* cache rows 0 .. pos0 + n_tok - 1 */
            return f32s((int64_t)(a->pos0 + a->n_tok) * a->n_head_kv * a->head_dim);
        return f32s((int64_t)a->n_tok * a->n_head * a->head_dim);
    }
    default:
        return 0;
    }
}
