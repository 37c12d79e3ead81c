/* matmul reference: Y = X W^T with each weight row dequantized by the dequant reference and every
 * dot product accumulated in double (products of two floats are exact in double), stored as float.
 * W rows are dequantized in chunks of whole blocks into a stack buffer so the reference needs no
 * allocation; the k order of the sum is ascending, which matmul_tiled's reference repeats exactly. */
#include <math.h>

#include "matmul.h"
#include "../dequant/dequant.h"

#define CHUNK 256 /* values per dequantized chunk: a multiple of every block size (1, 32, 256) */

void chord_matmul_ref(const void *w, const float *x, float *y, const chord_matmul_args *a)
{
    /* w: (n, k) of wtype; x: (m, k) f32; y: (m, n) f32 */
    const unsigned char *wb = w;
    const chord_type_traits *t = chord_type_info(a->wtype);
    const size_t row_bytes = chord_type_row_bytes(a->wtype, a->k);
    if (!chord_dequant_supported(a->wtype) || (row_bytes == 0 && a->k != 0)) {
        /* unsupported: the backend's supports() refuses these; poison so a misuse cannot pass */
        for (int64_t i = 0; i < (int64_t)a->m * a->n; i++)
            y[i] = NAN;
        return;
    }
    const size_t chunk_bytes = (size_t)(CHUNK / t->block_size) * t->type_size;
    float wrow[CHUNK];
    for (int i = 0; i < a->m; i++) {
        const float *xi = x + (size_t)i * a->k;
        for (int j = 0; j < a->n; j++) {
            const unsigned char *wj = wb + (size_t)j * row_bytes;
            double acc = 0.0;
            for (int k0 = 0; k0 < a->k; k0 += CHUNK) {
                const int len = a->k - k0 < CHUNK ? a->k - k0 : CHUNK;
                const chord_dequant_args da = {a->wtype, len};
                chord_dequant_ref(wj + (size_t)(k0 / CHUNK) * chunk_bytes, wrow, &da);
                for (int l = 0; l < len; l++)
                    acc += (double)wrow[l] * (double)xi[k0 + l];
            }
            y[(size_t)i * a->n + j] = (float)acc;
        }
    }
}
