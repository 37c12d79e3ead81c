/* matmul_tiled reference: the cache-blocked form of matmul's reference, same contract.
 * Blocks of TM rows of X by TN rows of W by TK values of k: each W tile is dequantized once per
 * block of X rows and reused TM times. Every output keeps a double accumulator and adds its
 * products in ascending k order, exactly as chord_matmul_reference does, so the two agree bit for bit. */
#include <math.h>

#include "matmul_tiled.h"
#include "../common/ref_launch.h"
#include "../dequant/dequant.h"

#define TM 8
#define TN 16
#define TK 256 /* a multiple of every block size (1, 32, 256) */

void chord_matmul_tiled_reference(const void *w, const float *x, float *y, const chord_matmul_args *a)
{
    /* w: (n, k) of wtype; x: (m, k) f32; y: (m, n) f32 */
    const unsigned char *wb = w;
    const chord_type_traits *t = chord_type_info(a->wtype);
    const size_t row_bytes = chord_type_row_bytes(a->wtype, a->k);
    if (!chord_matmul_reference_runs(a, y))
        return;
    const size_t tile_bytes = (size_t)(TK / t->block_size) * t->type_size;
    float wt[TN][TK];   /* dequantized W tile: rows j0.., values k0.. */
    double acc[TM][TN]; /* the running sums of the outputs of this (i0, j0) block */
    for (int i0 = 0; i0 < a->m; i0 += TM) {
        const int mi = a->m - i0 < TM ? a->m - i0 : TM;
        for (int j0 = 0; j0 < a->n; j0 += TN) {
            const int nj = a->n - j0 < TN ? a->n - j0 : TN;
            for (int i = 0; i < mi; i++)
                for (int j = 0; j < nj; j++)
                    acc[i][j] = 0.0;
            for (int k0 = 0; k0 < a->k; k0 += TK) {
                const int len = a->k - k0 < TK ? a->k - k0 : TK;
                const chord_dequant_args da = {a->wtype, len};
                for (int j = 0; j < nj; j++)
                    chord_dequant_reference(wb + (size_t)(j0 + j) * row_bytes + (size_t)(k0 / TK) * tile_bytes, wt[j],
                                            &da);
                for (int i = 0; i < mi; i++) {
                    const float *xi = x + (size_t)(i0 + i) * a->k + k0;
                    for (int j = 0; j < nj; j++) {
                        double s = acc[i][j];
                        for (int l = 0; l < len; l++)
                            s += (double)wt[j][l] * (double)xi[l];
                        acc[i][j] = s;
                    }
                }
            }
            for (int i = 0; i < mi; i++)
                for (int j = 0; j < nj; j++)
                    y[(size_t)(i0 + i) * a->n + j0 + j] = (float)acc[i][j];
        }
    }
}

chord_status chord_matmul_tiled_ref(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_matmul_args *a = args;
    (void)ctx;
    if (!chord_dequant_supported(a->wtype))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "ref matmul_tiled: weight type %s", chord_type_info(a->wtype)->name);
    if (t) /* W (n, k) of wtype, X (m, k), Y (m, n) */
        chord_matmul_threaded(chord_matmul_tiled_reference, chord_ref_ptr(t[0]), chord_ref_ptr(t[1]),
                              chord_ref_ptr(t[2]), a);
    return CHORD_OK;
}
