/* The matmul core's dispatcher and its portable path (cpu_rows.h).
 *
 * Portable path: for a tile of ROWS W rows, each chunk of CHUNK values of k is dequantized once into an f32 tile in
 * L1; then every row of X takes its dot products with the tile's rows, so the dequant cost is shared by all m rows
 * (prefill) and the tile is the packed operand of a blocked GEMM. The 32-value block types the models use most
 * (q4_0, q4_1, q5_0, q5_1, q8_0) are decoded here by loops the vectorizer takes (y = d q + m, one multiply-add per
 * value); the others by the dequant reference, exact and slower. The dot products are cpu_math.h's, f32 in
 * independent sums.
 *
 * v1: every type through the dequant reference: its per-block calls and f16 conversions were 60% of a SmolLM2
 * Q4_1 decode profile, and decode ran slower than the threaded reference. v2: the decoders below (2.6x the decode
 * rate of v1 on one thread, both measured on a loaded 2-core machine), and the split layouts refused so the model
 * keeps GGUF's. Quiet-machine figures belong here once measured. */
#include <string.h>

#include "../common/cpu_math.h"
#include "../dequant/dequant.h"
#include "cpu_rows.h"

#define QK 32 /* values per block of the types decoded here */

#define ROWS 4    /* W rows per tile: 4 KiB of f32 tile at CHUNK 256 */
#define CHUNK 256 /* values of k per tile: a multiple of every block size (1, 32, 256) */

static float rd_f16(const unsigned char *p) { return chord_f16_to_f32((chord_f16)(p[0] | p[1] << 8)); }

/* Block b's quants (0..15 or 0..31, or -128..127 for q8_0) as floats, and its scale and offset: y = d q + m. */
static void block_q(chord_type type, const unsigned char *b, float *restrict q, float *d, float *m)
{
    const unsigned char *qs;
    uint32_t qh = 0;
    switch (type) {
    case CHORD_TYPE_Q8_0:
        *d = rd_f16(b), *m = 0;
        for (int j = 0; j < QK; j++)
            q[j] = (float)(signed char)b[2 + j];
        return;
    case CHORD_TYPE_Q4_0: *d = rd_f16(b), *m = -8 * *d, qs = b + 2; break;
    case CHORD_TYPE_Q4_1: *d = rd_f16(b), *m = rd_f16(b + 2), qs = b + 4; break;
    case CHORD_TYPE_Q5_0: *d = rd_f16(b), *m = -16 * *d, qs = b + 6, memcpy(&qh, b + 2, 4); break;
    default: *d = rd_f16(b), *m = rd_f16(b + 2), qs = b + 8, memcpy(&qh, b + 4, 4); break; /* q5_1 */
    }
    for (int j = 0; j < QK / 2; j++) { /* value j: low nibble of qs[j]; value j + 16: its high nibble */
        q[j] = (float)(qs[j] & 15);
        q[j + QK / 2] = (float)(qs[j] >> 4);
    }
    if (type == CHORD_TYPE_Q5_0 || type == CHORD_TYPE_Q5_1)
        for (int j = 0; j < QK; j++) /* the 5th bit of value j: bit j of qh */
            q[j] += (float)(((qh >> j) & 1) << 4);
}

/* len values (whole blocks) of a W row from src into dst: the fast decoders, else the dequant reference. */
static void dequant_chunk(chord_type type, const unsigned char *src, float *restrict dst, int len)
{
    const chord_type_traits *t = chord_type_info(type);
    if (type != CHORD_TYPE_Q4_0 && type != CHORD_TYPE_Q4_1 && type != CHORD_TYPE_Q5_0 && type != CHORD_TYPE_Q5_1 &&
        type != CHORD_TYPE_Q8_0) {
        const chord_dequant_args da = {type, len};
        chord_dequant_reference(src, dst, &da);
        return;
    }
    for (int b = 0; b < len / QK; b++) {
        float q[QK], d, m;
        block_q(type, src + (size_t)b * t->type_size, q, &d, &m);
        for (int j = 0; j < QK; j++)
            dst[b * QK + j] = q[j] * d + m;
    }
}

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
            for (int j = 0; j < nj; j++)
                dequant_chunk(a->wtype,
                              (const unsigned char *)w + (size_t)(j0 + j) * row_bytes +
                                  (size_t)(k0 / CHUNK) * chunk_bytes,
                              tile[j], len);
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
        /* each SIMD path exists where runtime/cpu.cmake could build its file (CHORD_CPU_HAVE_*); the ISA check that
     * picked isa ran before any of its instructions can */
#ifdef CHORD_CPU_HAVE_AVX512
    case CHORD_CPU_AVX512: chord_matmul_cpu_rows_avx512(w, x, y, a, n0, n1); return;
#endif
#ifdef CHORD_CPU_HAVE_AVX2
    case CHORD_CPU_AVX2: chord_matmul_cpu_rows_avx2(w, x, y, a, n0, n1); return;
#endif
    default: chord_matmul_cpu_rows_portable(w, x, y, a, n0, n1); return;
    }
}
