/* The case table, assembled from the op descriptors, and the per-case questions answered from them. */
#include "cases.h"

int chord_case_count(void)
{
    int n = 0;
    for (int op = 0; op < CHORD_OP_COUNT; op++)
        n += chord_op_desc_of(op)->n_cases;
    return n;
}

const chord_case *chord_case_at(int i)
{
    for (int op = 0; op < CHORD_OP_COUNT && i >= 0; op++) {
        const chord_op_desc *d = chord_op_desc_of(op);
        if (i < d->n_cases)
            return &d->cases[i];
        i -= d->n_cases;
    }
    return NULL;
}

size_t chord_case_tensor_bytes(const chord_case *c, int i)
{
    const chord_op_desc *d = chord_op_desc_of(c->op);
    return d->case_bytes ? d->case_bytes(c, i) : d->tensor_bytes(c->args, i);
}

double chord_case_flops(const chord_case *c)
{
    const chord_op_desc *d = chord_op_desc_of(c->op);
    return d->flops ? d->flops(c->args) : 0;
}

double chord_case_bytes(const chord_case *c)
{
    const chord_op_desc *d = chord_op_desc_of(c->op);
    double b = 0;
    for (int i = 0; i < d->n_tensors; i++)
        b += (double)d->tensor_bytes(c->args, i);
    return b;
}

void chord_case_fill(const chord_case *c, int i, void *host, uint64_t seed)
{
    const chord_op_desc *d = chord_op_desc_of(c->op);
    uint64_t rng = seed * 0x100000001b3ull + (uint64_t)i * 0x9e3779b97f4a7c15ull + 1;
    const size_t bytes = chord_case_tensor_bytes(c, i);
    if (d->fill)
        d->fill(c, i, host, bytes, &rng);
    else
        chord_fill_f32(host, (int64_t)(bytes / sizeof(float)), &rng, -4, 4);
}

void chord_case_reference(const chord_case *c, void *const t[CHORD_MAX_TENSORS])
{
    chord_op_desc_of(c->op)->reference(t, c->args);
}

chord_tolerance chord_case_tolerance(const chord_case *c)
{
    const chord_op_desc *d = chord_op_desc_of(c->op);
    return d->case_tolerance ? d->case_tolerance(c) : d->tolerance;
}
