/* The matmul core's dispatcher and its portable path (cpu_rows.h).
 *
 * Portable path: for a tile of ROWS W rows, each chunk of CHUNK values of k is dequantized once, by the dequant
 * reference (exact, and every type it knows), into an f32 tile in L1; then every row of X takes its dot products
 * with the tile's rows, so the dequant cost is shared by all m rows (prefill) and the tile is the packed operand
 * of a blocked GEMM. The dot products are cpu_math.h's, f32 in independent sums. */
#include <string.h>

#include "../common/cpu_math.h"
#include "../dequant/dequant.h"
#include "cpu_rows.h"

#define ROWS 4    /* W rows per tile: 4 KiB of f32 tile at CHUNK 256 */
#define CHUNK 256 /* values of k per tile: a multiple of every block size (1, 32, 256) */

void chord_matmul_cpu_rows_portable(const void *w, const float *x, float *y, const chord_matmul_args *a, int n0, int n1)
{
    /* w: (n, k) of wtype; x: (m, k); y: (m, n) */
    const chord_type_traits *t = chord_type_info(a->wtype);
    const size_t row_bytes = chord_type_row_bytes(a->wtype, a->k);
    const size_t chunk_bytes = (size_t)(CHUNK / t->block_size) * t->type_size;
    float tile[ROWS][CHUNK]; /* W rows j0 .. j0 + nj - 1, values k0 .. k0 + len - 1, dequantized */
    for (int i = 0; i < a->m; i++)
        memset(y + (size_t)i * a->n + n0, 0, (size_t)(n1 - n0) * sizeof *y);
    for (int j0 = n0; j0 < n1; j0 += ROWS) {
        const int nj = n1 - j0 < ROWS ? n1 - j0 : ROWS;
        for (int k0 = 0; k0 < a->k; k0 += CHUNK) {
            const int len = a->k - k0 < CHUNK ? a->k - k0 : CHUNK;
            const chord_dequant_args da = {a->wtype, len};
            for (int j = 0; j < nj; j++)
                chord_dequant_reference((const unsigned char *)w + (size_t)(j0 + j) * row_bytes +
                                            (size_t)(k0 / CHUNK) * chunk_bytes,
                                        tile[j], &da);
            for (int i = 0; i < a->m; i++) {
                const float *xi = x + (size_t)i * a->k + k0;
                float *yi = y + (size_t)i * a->n + j0;
                for (int j = 0; j < nj; j++)
                    yi[j] += chord_cpu_dot(tile[j], xi, len);
            }
        }
    }
}

void chord_matmul_cpu_rows(chord_cpu_isa isa, const void *w, const float *x, float *y, const chord_matmul_args *a,
                           int n0, int n1)
{
    switch (isa) {
    /* the SIMD paths' cases: CHORD_CPU_AVX2 -> chord_matmul_cpu_rows_avx2, CHORD_CPU_AVX512 -> _avx512 */
    default: chord_matmul_cpu_rows_portable(w, x, y, a, n0, n1); return;
    }
}
