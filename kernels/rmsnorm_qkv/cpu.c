/* rmsnorm_qkv on the cpu backend: the composition of the cpu backend's own rmsnorm and matmul_qkv launchers (their
 * code and numerics) through a host buffer for the normalized rows, so that the model's folded decode path runs,
 * and is checked against ref, on the machines with no GPU. The cpu backend's launches complete before they return,
 * so the buffer is freed after the second. */
#include <stdlib.h>

#include "../common/ref_launch.h"
#include "rmsnorm_qkv.h"

chord_launcher chord_rmsnorm_cpu, chord_matmul_qkv_cpu;

chord_status chord_rmsnorm_qkv_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_rmsnorm_qkv_args *a = args;
    const chord_matmul_qkv_args *inner = &a->qkv;
    CHORD_TRY(chord_matmul_qkv_cpu(ctx, NULL, inner));
    if (!t)
        return CHORD_OK;
    const chord_rmsnorm_args ra = {inner->m, inner->k, a->eps};
    struct chord_buf xn = {(size_t)inner->m * (size_t)inner->k * sizeof(float), NULL}; /* (m, k) normalized X */
    if (!(xn.data = malloc(xn.bytes ? xn.bytes : 1)))
        return chord_fail(CHORD_ERR_NOMEM, "cpu rmsnorm_qkv: no host memory for %zu bytes", xn.bytes);
    const chord_tensor nt[3] = {t[0], t[1], {&xn, 0}};
    chord_status s = chord_rmsnorm_cpu(ctx, nt, &ra);
    if (s == CHORD_OK) {
        const chord_tensor mt[7] = {t[2], t[3], t[4], {&xn, 0}, t[5], t[6], t[7]}; /* matmul_qkv's order */
        s = chord_matmul_qkv_cpu(ctx, mt, inner);
    }
    free(xn.data);
    return s;
}
