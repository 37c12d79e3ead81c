/* rmsnorm_qkv on the cpu backend: the composition of the cpu backend's own rmsnorm and matmul_qkv launchers (their
 * code and numerics) through a host buffer for the normalized rows, so that the model's folded decode path runs,
 * and is checked against ref, on the machines with no GPU. The cpu backend's launches complete before they return,
 * so the buffer is freed after the second. */
#include <stdlib.h>

#include "../rmsnorm/cpu_norm.h"
#include "rmsnorm_qkv.h"

chord_launcher chord_matmul_qkv_cpu;

chord_status chord_rmsnorm_qkv_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_rmsnorm_qkv_args *a = args;
    CHORD_TRY(chord_matmul_qkv_cpu(ctx, NULL, &a->qkv));
    if (!t)
        return CHORD_OK;
    const chord_rmsnorm_args ra = {a->qkv.m, a->qkv.k, a->eps};
    struct chord_buf xn; /* (m, k) normalized X */
    CHORD_TRY(chord_rmsnorm_cpu_new(ctx, t[0], t[1], &ra, &xn));
    const chord_tensor mt[7] = {t[2], t[3], t[4], {&xn, 0}, t[5], t[6], t[7]}; /* matmul_qkv's order */
    const chord_status s = chord_matmul_qkv_cpu(ctx, mt, &a->qkv);
    free(xn.data);
    return s;
}
