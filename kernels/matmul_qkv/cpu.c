/* matmul_qkv on the cpu backend: the composition of the cpu backend's own launchers, three matmuls and two ropes,
 * queued on its pool in order (the same code and numerics as the five launches the model makes otherwise). It is
 * here so that the model's fused decode path runs, and is checked against ref, on the machines with no GPU; a fused
 * kernel (the three projections' rows as one run of pool pieces) is the next step for speed. */
#include "matmul_qkv.h"

chord_launcher chord_matmul_cpu, chord_rope_cpu;

chord_status chord_matmul_qkv_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_matmul_qkv_args *a = args;
    for (int p = 0; p < 3; p++) { /* support: every part */
        const chord_matmul_args ma = chord_matmul_qkv_matmul(a, p);
        CHORD_TRY(chord_matmul_cpu(ctx, NULL, &ma));
    }
    for (int p = 0; p < 2; p++) {
        const chord_rope_args ra = chord_matmul_qkv_rope(a, p);
        CHORD_TRY(chord_rope_cpu(ctx, NULL, &ra));
    }
    if (!t)
        return CHORD_OK;
    for (int p = 0; p < 3; p++) { /* WQ/WK/WV, X, Q/K/V: matmul's W, X, Y */
        const chord_matmul_args ma = chord_matmul_qkv_matmul(a, p);
        const chord_tensor mt[3] = {t[p], t[3], t[4 + p]};
        CHORD_TRY(chord_matmul_cpu(ctx, mt, &ma));
        if (p < 2) { /* rope in place on the projection */
            const chord_rope_args ra = chord_matmul_qkv_rope(a, p);
            const chord_tensor rt[2] = {t[4 + p], t[4 + p]};
            CHORD_TRY(chord_rope_cpu(ctx, rt, &ra));
        }
    }
    return CHORD_OK;
}
