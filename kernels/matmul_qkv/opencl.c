/* matmul_qkv, OpenCL launcher: the decode step's Q, K and V projections (m = 1) on the split layouts, Q and K with
 * RoPE (NORMAL pairs) in the split kernel's store (ROPE in kernels/matmul/opencl.cl, rope's angle and expression
 * shared through chord_rope_angle), V as matmul's split kernel: three launches where the model would run five.
 * Other shapes, types and modes, and devices without fp64, are refused, and the model then runs matmul three times
 * and rope twice.
 * PREDICTION for the H200 (not measured): two rope launches fewer per layer: synthetic 7B q4_0 opencl tg128 +2-4%. */
#include "../matmul/opencl_matmul.h"
#include "matmul_qkv.h"

chord_status chord_matmul_qkv_opencl(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_matmul_qkv_args *a = args;
    if (a->mode != CHORD_ROPE_NORMAL || a->head_dim % 2)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "opencl matmul_qkv: rope mode %d, head_dim %d (NORMAL, even only)",
                          a->mode, a->head_dim);
    const chord_cl_mm_rope rope = {a->head_dim, a->n_rot, a->pos0, a->theta_base};
    /* t: 0 WQ, 1 WK, 2 WV, 3 X, 4 Q, 5 K, 6 V; p = 0, 1 rotated, 2 plain */
    for (int p = 0; p < 3; p++) {
        const chord_matmul_args ma = chord_matmul_qkv_matmul(a, p);
        CHORD_TRY(chord_cl_matmul_launch(ctx, &ma, p < 2 ? CHORD_CL_MM_ROPE : CHORD_CL_MM_PLAIN, t ? &t[p] : NULL,
                                         t ? &t[3] : NULL, t ? &t[4 + p] : NULL, NULL, &rope));
    }
    return CHORD_OK;
}
