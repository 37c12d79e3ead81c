/* rmsnorm_swiglu on the cpu backend: the composition of the cpu backend's own rmsnorm and matmul_swiglu launchers (their
 * code and numerics) through a host buffer for the normalized rows, so that the model's folded decode path runs,
 * and is checked against ref, on the machines with no GPU. The cpu backend's launches complete before they return,
 * so the buffer is freed after the second. */
#include <stdlib.h>

#include "../rmsnorm/cpu_norm.h"
#include "rmsnorm_swiglu.h"

chord_launcher chord_matmul_swiglu_cpu;

chord_status chord_rmsnorm_swiglu_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_rmsnorm_swiglu_args *a = args;
    CHORD_TRY(chord_matmul_swiglu_cpu(ctx, NULL, &a->mm));
    if (!t)
        return CHORD_OK;
    const chord_rmsnorm_args ra = {a->mm.m, a->mm.k, a->eps};
    struct chord_buf xn; /* (m, k) normalized X */
    CHORD_TRY(chord_rmsnorm_cpu_new(ctx, t[0], t[1], &ra, &xn));
    const chord_tensor mt[4] = {t[2], t[3], {&xn, 0}, t[4]}; /* matmul_swiglu's order */
    const chord_status s = chord_matmul_swiglu_cpu(ctx, mt, &a->mm);
    free(xn.data);
    return s;
}
