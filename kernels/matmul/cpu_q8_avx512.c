/* The opt-in 8-bit-activation GEMM of the cpu backend (CHORD_CPU_Q8_ACT=1, m > 1, q4_0_split / q4_1_split
 * weights, AVX-512 + VNNI): X rounded to q8 per 32-value block as llama.cpp's CPU path does (d = max|x| / 127,
 * q = round(x / d)), then integer dot products by vpdpbusd (u8 nibbles x s8 activations, 64 products a
 * instruction), scaled per block in f32. Not the default: the rounding of X is an error the exact path does not
 * make, bounded by its own test (tests/test_cpu.c, q8_act_matmul_within_its_bound: NMSE <= CHORD_CPU_Q8_NMSE).
 *
 * Why: the f32 prefill GEMM of the 1B q4_0 file ran at ~85% of the f32 FMA peak and 0.55x llama.cpp's pp128, whose
 * rate needs more than that peak: 16 multiply-adds an instruction cannot get there, 64 can.
 *
 * Lane order: a 64-byte half of a q4 split super-block gives, per dword lane i, 4 values of block 2 (i % 4) (low
 * nibbles) and of block 2 (i % 4) + 1 (high). Their low and high nibble vectors are regrouped by 128-bit quarters
 * into V(2 half) = [lo q0 q1 | hi q0 q1] and V(2 half + 1) = [lo q2 q3 | hi q2 q3], so lane l of all four vectors
 * lies in block 2 (l % 4) + l / 8: one int32 sum per lane and super-block, one scale vector per lane pattern, and
 * the f32 epilogue (convert, scale, add) is 3 instructions per 4 vpdpbusd. X is quantized once per launch into the
 * same order (x8_block), so the GEMM's inner loop has no shuffles.
 * q4_0's -8: the lane's sum starts at -8 x (its x bytes' sum); q4_1's m: m[g] x (f32 sum of x over block g).
 *
 * Bound (the opt-in's own; the default path's are untouched): matmul NMSE <= CHORD_CPU_Q8_NMSE = 1e-4 on the case
 * table's fills, measured 1.7e-5 (q4_0_split 3x129x768, q4_1_split 5x67x1536: the 1 / (4 x 127^2) of 8-bit
 * rounding). In the model (chord run --verify, CHORD_CPU_Q8_ACT=1, the prompt's prefill on this path, decode
 * exact): SmolLM2-135M logits NMSE 1.1e-3 .. 6.5e-3 over a 14-token prompt's 4 steps (only its k = 1536 down
 * projections are split, so the 8-bit ones), the synthetic llama-1b q4_0 1.7e-4 .. 1.9e-4; top-1 agreed in every
 * step of both. Far above --verify's 1e-5: which is why it is opt-in.
 *
 * Versions (AMD EPYC, 2 cores, AVX-512 VNNI; bench-model -t 2 pp128 on the synthetic llama-1b q4_0 file, 4
 * alternated pairs CHORD_CPU_Q8_ACT=1 vs 0, load average 0.8-0.9):
 *   expected: 64 multiply-adds per vpdpbusd and 7 instructions per 4 W x 1 X vectors (vs 16 per FMA) should give
 *      ~2x the f32 GEMM where the epilogue and the W expansion stay small.
 *   v1 (this): 290, 252, 260, 300 tok/s vs 129, 120, 142, 142: 2.1x (median of the pair ratios; 1.84 .. 2.25). */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "cpu_rows.h"

#define MR 4 /* X rows per micro-kernel */
#define NR 4 /* W rows per micro-kernel: 4 x 4 f32 sums + 4 W vectors + temporaries of 32 registers */

/* One row's super-block of X, quantized and in V order. */
typedef struct x8_block {
    int8_t q[256];   /* V1..V4, 64 bytes each: lane l byte t of V(2 half + p) (see x_index) */
    int32_t off[16]; /* q4_0: -8 x the sum of lane l's 16 bytes over V1..V4; q4_1: 0 */
    float dx[16];    /* lane l: d of block 2 (l % 4) + l / 8 */
    float xsum[16];  /* lanes 0..7: the f32 sum of x over block g; 8..15: 0 */
} x8_block;
_Static_assert(sizeof(x8_block) == 448, "x8_block: 7 cache lines");

/* One W row's super-block expanded for the kernel: nibbles as bytes in V order, scales in lane order. */
typedef struct w8_block {
    uint8_t v[256];
    float dw[16]; /* lane l: d of block 2 (l % 4) + l / 8 */
    float m[16];  /* q4_1: lanes 0..7 m[g], 8..15 0; q4_0: 0 */
} w8_block;

size_t chord_matmul_cpu_q8_bytes(const chord_matmul_args *a)
{
    return (size_t)a->m * (size_t)(a->k / CHORD_QK_SPLIT) * sizeof(x8_block);
}

/* Value (within the super-block) of byte t of lane l of vector v = 2 half + p. */
static inline int x_index(int v, int l, int t)
{
    const int half = v / 2, p = v % 2, src = (l & 7) + 8 * p, g = 2 * (l % 4) + l / 8;
    return 32 * g + 4 * (4 * half + src / 4) + t;
}

void chord_matmul_cpu_q8_quantize_avx512(const float *x, void *x8, const chord_matmul_args *a, int i0, int i1)
{
    /* x: (m, k) f32; x8: (m, k / 256) x8_block; rows i0 .. i1 - 1 */
    const int ns = a->k / CHORD_QK_SPLIT, has_min = a->wtype == CHORD_TYPE_Q4_1_SPLIT;
    for (int i = i0; i < i1; i++)
        for (int s = 0; s < ns; s++) {
            const float *b = x + (size_t)i * a->k + (size_t)s * CHORD_QK_SPLIT;
            x8_block *o = (x8_block *)x8 + (size_t)i * ns + s;
            int8_t q[256]; /* in value order */
            float d[8];
            for (int g = 0; g < 8; g++) {
                __m512 lo = _mm512_loadu_ps(b + 32 * g), hi = _mm512_loadu_ps(b + 32 * g + 16);
                const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(lo), _mm512_abs_ps(hi)));
                d[g] = amax / 127.0f;
                const float id = d[g] != 0.0f ? 1.0f / d[g] : 0.0f;
                const __m512 vid = _mm512_set1_ps(id);
                /* to nearest, ties to even (llama.cpp's roundf takes ties away from zero: a tie is rare and either
                 * is within half a step); |x / d| <= 127 */
                const __m512i qlo = _mm512_cvtps_epi32(_mm512_mul_ps(lo, vid));
                const __m512i qhi = _mm512_cvtps_epi32(_mm512_mul_ps(hi, vid));
                _mm_storeu_si128((__m128i *)(q + 32 * g), _mm512_cvtsepi32_epi8(qlo));
                _mm_storeu_si128((__m128i *)(q + 32 * g + 16), _mm512_cvtsepi32_epi8(qhi));
                o->xsum[g] = has_min ? _mm512_reduce_add_ps(_mm512_add_ps(lo, hi)) : 0.0f;
                o->xsum[8 + g] = 0.0f;
            }
            for (int v = 0; v < 4; v++)
                for (int l = 0; l < 16; l++)
                    for (int t = 0; t < 4; t++)
                        o->q[64 * v + 4 * l + t] = q[x_index(v, l, t)];
            for (int l = 0; l < 16; l++) {
                int sum = 0;
                for (int v = 0; v < 4; v++)
                    for (int t = 0; t < 4; t++)
                        sum += o->q[64 * v + 4 * l + t];
                o->off[l] = has_min ? 0 : -8 * sum;
                o->dx[l] = d[2 * (l % 4) + l / 8];
            }
        }
}

/* W row super-blocks s = 0 .. ns - 1 into out (ns w8_block): the nibbles as bytes, regrouped into V order. */
static void expand_w(chord_type t, const uint8_t *row, int ns, w8_block *out)
{
    const __m512i lane_block = _mm512_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6, 1, 3, 5, 7, 1, 3, 5, 7);
    const __m512i low = _mm512_set1_epi8(0x0f);
    const size_t sb = t == CHORD_TYPE_Q4_1_SPLIT ? sizeof(chord_block_q4_1_split) : sizeof(chord_block_q4_0_split);
    for (int s = 0; s < ns; s++, row += sb, out++) {
        for (int half = 0; half < 2; half++) {
            const __m512i v = _mm512_loadu_si512((const void *)(row + 64 * half));
            const __m512i lo = _mm512_and_si512(v, low), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
            _mm512_store_si512((void *)(out->v + 128 * half), _mm512_shuffle_i64x2(lo, hi, 0x44));
            _mm512_store_si512((void *)(out->v + 128 * half + 64), _mm512_shuffle_i64x2(lo, hi, 0xee));
        }
        const __m512 d8 = _mm512_castps256_ps512(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 128))));
        _mm512_store_ps(out->dw, _mm512_permutexvar_ps(lane_block, d8));
        const __m256 m8 = t == CHORD_TYPE_Q4_1_SPLIT ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 144)))
                                                     : _mm256_setzero_ps();
        _mm512_store_ps(out->m, _mm512_zextps256_ps512(m8));
    }
}

/* y[i][j] for X rows xr[0..MR) and the NR expanded W rows wr[0..NR) (row stride ns blocks), over ns blocks. */
static inline __attribute__((always_inline)) void micro(const x8_block *const xr[MR], const w8_block *const wr[NR],
                                                        int ns, int has_min, float out[MR][NR])
{
    __m512 acc[MR][NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++)
            acc[i][j] = _mm512_setzero_ps();
    for (int s = 0; s < ns; s++) {
        for (int j = 0; j < NR; j++) {
            const w8_block *w = wr[j] + s;
            const __m512i w0 = _mm512_load_si512((const void *)w->v), w1 = _mm512_load_si512((const void *)(w->v + 64)),
                          w2 = _mm512_load_si512((const void *)(w->v + 128)),
                          w3 = _mm512_load_si512((const void *)(w->v + 192));
            const __m512 dw = _mm512_load_ps(w->dw);
            for (int i = 0; i < MR; i++) {
                const x8_block *x = xr[i] + s;
                __m512i sum = _mm512_load_si512((const void *)x->off);
                sum = _mm512_dpbusd_epi32(sum, w0, _mm512_load_si512((const void *)x->q));
                sum = _mm512_dpbusd_epi32(sum, w1, _mm512_load_si512((const void *)(x->q + 64)));
                sum = _mm512_dpbusd_epi32(sum, w2, _mm512_load_si512((const void *)(x->q + 128)));
                sum = _mm512_dpbusd_epi32(sum, w3, _mm512_load_si512((const void *)(x->q + 192)));
                acc[i][j] =
                    _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(dw, _mm512_load_ps(x->dx)), acc[i][j]);
                if (has_min)
                    acc[i][j] = _mm512_fmadd_ps(_mm512_load_ps(w->m), _mm512_load_ps(x->xsum), acc[i][j]);
            }
        }
    }
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++)
            out[i][j] = _mm512_reduce_add_ps(acc[i][j]);
}

void chord_matmul_cpu_q8_gemm_avx512(const void *w, const void *x8, float *y, const chord_matmul_args *a, int n0,
                                     int n1)
{
    /* w: (n, k) q4_0_split / q4_1_split; x8: (m, k / 256) x8_block; y: (m, n), columns n0 .. n1 - 1 */
    const int ns = a->k / CHORD_QK_SPLIT, m = a->m, has_min = a->wtype == CHORD_TYPE_Q4_1_SPLIT;
    const size_t row_bytes = chord_type_row_bytes(a->wtype, a->k);
    _Alignas(64) w8_block wx[NR][CHORD_CPU_SPLIT_MAX_K / CHORD_QK_SPLIT]; /* (NR, ns) the W rows j0 .. j0 + NR - 1 */
    for (int j0 = n0; j0 < n1; j0 += NR) {
        const int nr = n1 - j0 < NR ? n1 - j0 : NR;
        const w8_block *wr[NR];
        for (int j = 0; j < NR; j++) { /* rows past n1 repeat the last one; their sums are dropped */
            wr[j] = wx[j < nr ? j : nr - 1];
            if (j < nr)
                expand_w(a->wtype, (const uint8_t *)w + (size_t)(j0 + j) * row_bytes, ns, wx[j]);
        }
        for (int i0 = 0; i0 < m; i0 += MR) {
            const x8_block *xr[MR];
            for (int i = 0; i < MR; i++)
                xr[i] = (const x8_block *)x8 + (size_t)(i0 + i < m ? i0 + i : m - 1) * ns;
            float out[MR][NR];
            micro(xr, wr, ns, has_min, out);
            for (int i = 0; i < MR && i0 + i < m; i++)
                for (int j = 0; j < nr; j++)
                    y[(size_t)(i0 + i) * a->n + j0 + j] = out[i][j];
        }
    }
}
