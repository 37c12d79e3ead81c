/* cpu mat-mul on the split layouts (kernels/common/types.h), AVX2 + FMA + F16C: the mat-vec, and the tile decoder
 * the GEMM of cpu_rows_simd.h calls for these types. The AVX-512 version (cpu_split_avx512.c) says why the layouts
 * help a CPU; this file is the same walk in 8-float vectors, with another way from nibble to float.
 *
 * The nibble walk: AVX2's vpermps (_mm256_permutevar8x32_ps) reads only the low 3 bits of each index, so the
 * AVX-512 trick (a 16-entry float table indexed by the nibble) does not exist here; a table needs two vpermps and a
 * blend. A pshufb lookup does map 16 nibbles to bytes, but bytes then need a widening per 8 values (plus the shuffles
 * that bring each 8 bytes to the bottom of a register) and a conversion: 3.5-4 instructions per 8 values. Instead,
 * each nibble is masked where it lies: dword i of a 32-byte load holds nibble u at bits 4 u .. 4 u + 3, and
 * (dword & 0xf << 4 u) is the integer q 16^u, exact in f32 (at most 28 significant bits, 4 of them non-zero). x is
 * stored times 16^-u (a power of two: exact) in the vector nibble u meets, so the product q 16^u . x 16^-u is q x
 * bit for bit. The top nibble (u = 7) is shifted down instead, since its mask would set the sign bit; its x is not
 * scaled. Per 8 values: vpand (the masks stay in registers; the 32 bytes are loaded once per row), vcvtdq2ps,
 * vfmadd: 3 instructions, against ~5.5 for the GGUF-order AVX2 mat-vec (cpu_rows_avx2.c: widening load, mask or
 * shift, subtract, conversion, FMA, plus a scale broadcast per 32 values). q4_0's -8 costs nothing per vector: each
 * lane's partial starts at -8 x (the lane's sum of x over the super-block's nibbles of its parity), computed once
 * per call beside xp (xb), as q4_1's m term uses block sums of x.
 *
 * Order: dword i of the 32-byte load `quad` (lanes 2 quad, 2 quad + 1 of types.h) is word i % 4 of lane 2 quad +
 * i / 4; its nibble u is block 2 (i % 4) + u % 2, value 4 (2 quad + i / 4) + u / 2. So, as on AVX-512, lane i of
 * every vector lies in block 2 (i % 4) + u % 2 and two scale vectors (u even, u odd) serve all 32 vectors of a
 * super-block. q8_0: each 8 bytes at 32 j + 8 p widen (vpmovsxbd) to words 2 p, 2 p + 1 of lane j: lane i in block
 * 2 p + i / 4; each p is summed over j = 0..7 in its own partial and scaled at once.
 *
 * Numerics: x stays f32; each lane sums its 16 (q4) or 8 (q8) products of a super-block in f32 (q4_0: after its
 * -8 x sum(x) start), then that partial times its block's d is added to the row's running sum (as
 * cpu_split_avx512.c); q4_1's m x sum(x of the block) uses block sums of x computed once. W's values are the
 * reference's exactly, and so is each product q x, but for x below 2^-98 in magnitude, whose 16^-u scaled copy
 * would lose bits as a subnormal (no activation is that small). q4_0's partial is the sum of (q - 8) x regrouped
 * as sum(q x) - 8 sum(x): the same terms, the f32 rounding of a sum twice as large (q in 0..15 vs -8..7).
 *
 * Versions (AMD EPYC, 2 cores, CHORD_CPU_ISA=avx2 on an AVX-512 host shared with other jobs, load average
 * 0.6-1.8 throughout; bench-model on the synthetic llama-1b q4_0 file, -t 2, medians of 3, split vs --file-layout
 * (the GGUF-order AVX2 path) alternated in one sitting; chord-bench q4_0_split 1x11008x4096, copy ceiling of the
 * same run; the host's read rate moved between 25 and 40 GB/s from minute to minute):
 *   expected: the GGUF-order AVX2 mat-vec is compute-bound (cpu_rows_avx2.c: 9.4 GB/s on 1 thread, 37% of the
 *      read); 4 instead of ~5.5 vector instructions per 8 q4_0 values (mask, subtract, convert, FMA), and a
 *      super-block's scales 2 vpermps instead of a broadcast per block, should give +20-30% on the decode where
 *      2 cores stay below the memory's rate: less than AVX-512's +50%, whose vpermps masks, shifts and converts
 *      in one instruction.
 *   v1 the nibble loop as written, q4_0's -8 an integer subtract of 8 << 4 u: tg64 32.2, 31.0, 29.4, 30.4 vs
 *      27.1, 25.9, 27.0, 26.2 tok/s (+15%). gcc kept the nibble loop rolled, each mask built by shl + vmovd +
 *      vpbroadcastd per step. 1 thread 11.8 GB/s.
 *   v2 the nibble and row loops unrolled (every mask a constant): 1 thread 13.2-13.4 GB/s (3 alternated runs).
 *   v3 q4_0's -8 moved into the partials' start (above): 1 thread 17.5-18.0 GB/s vs v2's 11.1-13.1 alternated
 *      (3 instructions per 8 values, and 4 fewer constants for 16 registers, so none spilled). tg64 42.0, 37.0,
 *      37.8, 39.4, 44.0 vs 27.5, 26.4, 25.9, 26.5, 26.8 tok/s (+40-64%, 5 pairs, load 1.0-1.6).
 *   v4 the GEMM's tile decoder re-written for 32-byte stores (its comment); the mat-vec unchanged.
 * Now (v4, load average 0.9-1.8): tg64 32.6, 33.5, 35.2, 42.5, 42.2, 34.4, 37.0 vs 22.5, 19.9, 27.9, 26.4, 26.8,
 *   23.9, 22.7 tok/s (7 pairs: 1.3-1.7x); the AVX-512 path in the same minutes 42.6 / 38.9 (and its GGUF layout
 *   43.1 / 37.3: the memory's rate then bounded both). SmolLM2-135M Q4_1 (q4_1 + q8_0 head; -t 2): tg64 189.1,
 *   190.0, 183.7 vs 187.3, 178.0, 179.8 (+1-7%: small matrices, the pool's launches weigh more). Prefill (pp128,
 *   the GEMM, split tiles from this file's decoder): 87.2, 94.7, 91.3, 87.0 vs 86.2, 96.9, 102.2, 103.8, then
 *   file-layout first 95.8 / 81.9 / 80.9 vs split 84.5 / 82.3 / 83.9: within the noise of the sitting or a few %
 *   below; the decoder is 4.1% of a split pp128 profile, GGUF's inlined decode 4.4% (dequant_run).
 *   chord-bench -t 2 (copy 28.2 GB/s in the run): q4_0_split 1x11008x4096 26.2 GB/s (93% of copy), 1x4096x11008
 *   24.5 (87%), q4_1_split 24.4 / 25.8, q8_0_split 26.6 / 23.6; the GGUF AVX2 path beside them q4_0 16.8 (60%) /
 *   16.5, q4_1 16.8 / 17.6, q8_0 24.3 / 28.4. -t 1 (copy 25.1): q4_0_split 13.0 / 13.6 (this sitting's minute; v3
 *   measured 17.5-18.0 alone), q4_1_split 19.7 / 18.2, q8_0_split 22.1 / 23.0 vs GGUF q4_0 10.1 / 9.4, q4_1
 *   10.5 / 10.6, q8_0 21.2 / 18.4 GB/s. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "cpu_split.h"

/* 1: q4_0's -8 in the partials' start (v3); 0: an integer subtract per vector (v2), kept to compare against */
#ifndef SPLIT_Q4_0_BIAS
#define SPLIT_Q4_0_BIAS 1
#endif
#define INLINE static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 8") /* the nibble loop unrolled: each u's mask a constant */

/* Per 128-bit half q: out[t] lane 4 q + c = a[c] lane 4 q + t (a 4 x 4 transpose in each half). */
INLINE void transpose4x4(const __m256 a[4], __m256 out[4])
{
    const __m256d t0 = _mm256_castps_pd(_mm256_unpacklo_ps(a[0], a[1])), /* a0[0] a1[0] a0[1] a1[1] */
        t1 = _mm256_castps_pd(_mm256_unpackhi_ps(a[0], a[1])),           /* a0[2] a1[2] a0[3] a1[3] */
        t2 = _mm256_castps_pd(_mm256_unpacklo_ps(a[2], a[3])), t3 = _mm256_castps_pd(_mm256_unpackhi_ps(a[2], a[3]));
    out[0] = _mm256_castpd_ps(_mm256_unpacklo_pd(t0, t2));
    out[1] = _mm256_castpd_ps(_mm256_unpackhi_pd(t0, t2));
    out[2] = _mm256_castpd_ps(_mm256_unpacklo_pd(t1, t3));
    out[3] = _mm256_castpd_ps(_mm256_unpackhi_pd(t1, t3));
}

/* The factor x meets nibble u with: 16^-u, undoing the unshifted mask; 1 for the top nibble, shifted down. */
INLINE float nibble_scale(int u) { return u == 7 ? 1.0f : 1.0f / (float)(1u << 4 * u); }

INLINE float hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

/* xp (k) = x in the order of the type's quants (q4: times each vector's nibble_scale); xs (k / 32) the sum of x
 * over each 32-value block (q4_1's m term, only for q4_1). */
static void permute_x(chord_type t, const float *x, int k, float *restrict xp, float *restrict xs, float *restrict xb)
{
    for (int s = 0; s < k / CHORD_QK_SPLIT; s++) {
        const float *b = x + (size_t)s * CHORD_QK_SPLIT;
        float *o = xp + (size_t)s * CHORD_QK_SPLIT;
        if (t == CHORD_TYPE_Q8_0_SPLIT) {
            /* vector 4 j + p: lanes 0..3 values 4 j .. 4 j + 3 of block 2 p, lanes 4..7 those of block 2 p + 1 */
            for (int j = 0; j < 8; j++)
                for (int p = 0; p < 4; p++) {
                    const float *v = b + 32 * 2 * p + 4 * j;
                    _mm256_store_ps(o + 8 * (4 * j + p), _mm256_set_m128(_mm_loadu_ps(v + 32), _mm_loadu_ps(v)));
                }
        } else {
            /* vector 8 quad + 2 tt + h (nibble u = 2 tt + h), lane 4 q + c: value 8 quad + 4 q + tt of block 2 c + h */
            __m256 bias[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()}; /* per nibble parity h */
            for (int quad = 0; quad < 4; quad++)
                for (int h = 0; h < 2; h++) {
                    __m256 a[4], out[4];
                    for (int c = 0; c < 4; c++)
                        a[c] = _mm256_loadu_ps(b + 32 * (2 * c + h) + 8 * quad);
                    transpose4x4(a, out);
                    for (int tt = 0; tt < 4; tt++) {
                        _mm256_store_ps(o + 8 * (8 * quad + 2 * tt + h),
                                        _mm256_mul_ps(out[tt], _mm256_set1_ps(nibble_scale(2 * tt + h))));
                        bias[h] = _mm256_add_ps(bias[h], out[tt]);
                    }
                }
            if (t == CHORD_TYPE_Q4_0_SPLIT && SPLIT_Q4_0_BIAS)
                for (int h = 0; h < 2; h++)
                    _mm256_storeu_ps(xb + 16 * s + 8 * h, _mm256_mul_ps(bias[h], _mm256_set1_ps(-8.0f)));
        }
        if (t == CHORD_TYPE_Q4_1_SPLIT)
            for (int g = 0; g < 8; g++) {
                const float *v = b + 32 * g;
                const __m256 sum = _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(v), _mm256_loadu_ps(v + 8)),
                                                 _mm256_add_ps(_mm256_loadu_ps(v + 16), _mm256_loadu_ps(v + 24)));
                xs[s * 8 + g] = hsum8(sum);
            }
    }
}

/* 8 f16 at p as 8 floats */
INLINE __m256 halves8(const uint8_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }

/* Nibble u of each dword of v as the float q 16^u (u < 7) or q (u = 7); q4_0 without SPLIT_Q4_0_BIAS: (q - 8)
 * times the same. */
INLINE __m256 nibble(chord_type t, __m256i v, int u)
{
    __m256i q = u == 7 ? _mm256_srli_epi32(v, 28) : _mm256_and_si256(v, _mm256_set1_epi32(0xf << 4 * u));
    if (t == CHORD_TYPE_Q4_0_SPLIT && !SPLIT_Q4_0_BIAS)
        q = _mm256_sub_epi32(q, _mm256_set1_epi32(u == 7 ? 8 : 8 << 4 * u));
    return _mm256_cvtepi32_ps(q);
}

/* y[0, R) = R split rows (row_bytes apart) . x over ns super-blocks, x given as xp and xs; t a constant. */
INLINE void matvec_split(chord_type t, const uint8_t *w, size_t row_bytes, const float *xp, const float *xs,
                         const float *xb, float *y, int ns, const int R)
{
    const size_t sb = split_super_bytes(t);
    __m256 total[SPLIT_MV_ROWS];
    __m256 mins[SPLIT_MV_ROWS]; /* q4_1: m[g] x (sum of x over block g), a block per lane */
    for (int r = 0; r < R; r++)
        total[r] = _mm256_setzero_ps(), mins[r] = _mm256_setzero_ps();
    for (int s = 0; s < ns; s++, xp += CHORD_QK_SPLIT, xs += 8, xb += 16) {
        const size_t off = (size_t)s * sb;
        split_prefetch_rows(w, row_bytes, off, sb, R);
        if (t == CHORD_TYPE_Q8_0_SPLIT) {
            for (int p = 0; p < 4; p++) { /* words 2 p, 2 p + 1 of every lane: blocks 2 p + i / 4 */
                __m256 acc[SPLIT_MV_ROWS];
                for (int r = 0; r < R; r++)
                    acc[r] = _mm256_setzero_ps();
                UNROLL for (int j = 0; j < 8; j++)
                {
                    const __m256 xv = _mm256_load_ps(xp + 8 * (4 * j + p));
                    UNROLL for (int r = 0; r < R; r++)
                    {
                        const __m128i q8 = _mm_loadl_epi64((const __m128i *)(w + r * row_bytes + off + 32 * j + 8 * p));
                        acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q8)), xv, acc[r]);
                    }
                }
                const __m256i idx =
                    _mm256_setr_epi32(2 * p, 2 * p, 2 * p, 2 * p, 2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1);
                for (int r = 0; r < R; r++) {
                    const __m256 d8 = halves8(w + r * row_bytes + off + 256);
                    total[r] = _mm256_fmadd_ps(acc[r], _mm256_permutevar8x32_ps(d8, idx), total[r]);
                }
            }
            continue;
        }
        __m256 acc0[SPLIT_MV_ROWS], acc1[SPLIT_MV_ROWS]; /* nibbles u even / odd: lane i in block 2 (i % 4) + u % 2 */
        const int biased = t == CHORD_TYPE_Q4_0_SPLIT && SPLIT_Q4_0_BIAS;
        const __m256 bias0 = biased ? _mm256_loadu_ps(xb) : _mm256_setzero_ps(),
                     bias1 = biased ? _mm256_loadu_ps(xb + 8) : _mm256_setzero_ps();
        for (int r = 0; r < R; r++)
            acc0[r] = bias0, acc1[r] = bias1;
        for (int quad = 0; quad < 4; quad++)
            UNROLL for (int u = 0; u < 8; u++)
            {
                const __m256 xv = _mm256_load_ps(xp + 8 * (8 * quad + u));
                UNROLL for (int r = 0; r < R; r++)
                {
                    const __m256i v = _mm256_loadu_si256((const __m256i *)(w + r * row_bytes + off + 32 * quad));
                    if (u & 1)
                        acc1[r] = _mm256_fmadd_ps(nibble(t, v, u), xv, acc1[r]);
                    else
                        acc0[r] = _mm256_fmadd_ps(nibble(t, v, u), xv, acc0[r]);
                }
            }
        const __m256i even = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6), odd = _mm256_setr_epi32(1, 3, 5, 7, 1, 3, 5, 7);
        for (int r = 0; r < R; r++) {
            const uint8_t *blk = w + r * row_bytes + off;
            const __m256 d8 = halves8(blk + 128);
            total[r] = _mm256_fmadd_ps(acc0[r], _mm256_permutevar8x32_ps(d8, even), total[r]);
            total[r] = _mm256_fmadd_ps(acc1[r], _mm256_permutevar8x32_ps(d8, odd), total[r]);
            if (t == CHORD_TYPE_Q4_1_SPLIT)
                mins[r] = _mm256_fmadd_ps(halves8(blk + 144), _mm256_loadu_ps(xs), mins[r]);
        }
    }
    for (int r = 0; r < R; r++)
        y[r] = hsum8(t == CHORD_TYPE_Q4_1_SPLIT ? _mm256_add_ps(total[r], mins[r]) : total[r]);
}

INLINE void matvec_split_rows(chord_type t, const uint8_t *w, size_t row_bytes, const float *xp, const float *xs,
                              const float *xb, float *y, int ns, int rows)
{
    int j = 0;
    for (; j + SPLIT_MV_ROWS <= rows; j += SPLIT_MV_ROWS)
        matvec_split(t, w + j * row_bytes, row_bytes, xp, xs, xb, y + j, ns, SPLIT_MV_ROWS);
    for (; j < rows; j++)
        matvec_split(t, w + j * row_bytes, row_bytes, xp, xs, xb, y + j, ns, 1);
}

void chord_matmul_cpu_split_matvec_avx2(const void *w, const float *x, float *y, const chord_matmul_args *a, int n0,
                                        int n1)
{
    /* w: (n, k) split super-blocks; x: (1, k); y: (1, n), columns n0 .. n1 - 1 written */
    _Alignas(32) float xp[CHORD_CPU_SPLIT_MAX_K]; /* (k) x in the quants' order */
    float xs[CHORD_CPU_SPLIT_MAX_K / 32];         /* (k / 32) block sums of x */
    float xb[CHORD_CPU_SPLIT_MAX_K / 16];         /* (k / 256, 2, 8) q4_0's -8 x sums of x per lane and parity */
    const size_t row_bytes = chord_type_row_bytes(a->wtype, a->k);
    const int ns = a->k / CHORD_QK_SPLIT, rows = n1 - n0;
    const uint8_t *w0 = (const uint8_t *)w + (size_t)n0 * row_bytes;
    split_prefetch_first(w0, row_bytes, rows);
    permute_x(a->wtype, x, a->k, xp, xs, xb);
    y += n0;
    switch (a->wtype) {
    case CHORD_TYPE_Q4_0_SPLIT: matvec_split_rows(CHORD_TYPE_Q4_0_SPLIT, w0, row_bytes, xp, xs, xb, y, ns, rows); break;
    case CHORD_TYPE_Q4_1_SPLIT: matvec_split_rows(CHORD_TYPE_Q4_1_SPLIT, w0, row_bytes, xp, xs, xb, y, ns, rows); break;
    default: matvec_split_rows(CHORD_TYPE_Q8_0_SPLIT, w0, row_bytes, xp, xs, xb, y, ns, rows); break;
    }
}

/* Block g's value of each lane of a vector of 8 per-block floats (a scale, a min) */
INLINE __m256 lane_block(__m256 v8, int g) { return _mm256_permutevar8x32_ps(v8, _mm256_set1_epi32(g)); }

/* out[0, len) = values k0 .. k0 + len - 1 of a split row in the values' order (k0, len: whole super-blocks), the
 * GEMM's f32 tile. Word w of lanes j and j + 1 (j even) side by side are 8 consecutive values 4 j .. 4 j + 7 of
 * one block (q8: block w) or two (q4: blocks 2 w, 2 w + 1 in the low and high nibbles): one vpunpck{l,h}dq of the
 * two lanes pairs them, one widening brings 8 of them to dwords, and each block's 8 values are one 32-byte store.
 * v1 of this widened 8 bytes of one lane (4 values of each of 2 or 4 blocks) and stored 16-byte pieces: prefill
 * 4-6% below the GGUF layout's (1B pp128 92.6-96.5 vs 97.5-103.2 tok/s, 4 alternated pairs). d (q - 8) is
 * fma(q, d, -8 d): -8 d is exact, so one rounding, the reference's value. */
void chord_matmul_cpu_split_dequant_avx2(chord_type t, const uint8_t *row, int k0, int len, float *out)
{
    const size_t sb = split_super_bytes(t);
    const __m256i low = _mm256_set1_epi32(0xf);
    for (int s = 0; s < len / CHORD_QK_SPLIT; s++, out += CHORD_QK_SPLIT) {
        const uint8_t *b = row + (size_t)(k0 / CHORD_QK_SPLIT + s) * sb;
        if (t == CHORD_TYPE_Q8_0_SPLIT) {
            const __m256 d8 = halves8(b + 256);
            __m256 d[8];
            for (int g = 0; g < 8; g++)
                d[g] = lane_block(d8, g);
            for (int a = 0; a < 4; a++)       /* lanes 2 a, 2 a + 1: values 8 a .. 8 a + 7 */
                for (int h = 0; h < 2; h++) { /* words 4 h .. 4 h + 3 */
                    const __m128i lo = _mm_loadu_si128((const __m128i *)(b + 64 * a + 16 * h)),
                                  hi = _mm_loadu_si128((const __m128i *)(b + 64 * a + 32 + 16 * h));
                    const __m128i pair[2] = {_mm_unpacklo_epi32(lo, hi), _mm_unpackhi_epi32(lo, hi)};
                    for (int w = 0; w < 4; w++) {
                        const __m128i q8 = w & 1 ? _mm_srli_si128(pair[w / 2], 8) : pair[w / 2];
                        const int g = 4 * h + w;
                        _mm256_storeu_ps(out + 32 * g + 8 * a,
                                         _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q8)), d[g]));
                    }
                }
            continue;
        }
        const __m256 d8 = halves8(b + 128);
        const __m256 c8 = t == CHORD_TYPE_Q4_1_SPLIT ? halves8(b + 144) /* q4_1: m; q4_0: -8 d */
                                                     : _mm256_mul_ps(d8, _mm256_set1_ps(-8.0f));
        __m256 d[8], c[8];
        for (int g = 0; g < 8; g++)
            d[g] = lane_block(d8, g), c[g] = lane_block(c8, g);
        for (int a = 0; a < 4; a++) { /* lanes 2 a, 2 a + 1: values 8 a .. 8 a + 7 */
            const __m128i lo = _mm_loadu_si128((const __m128i *)(b + 32 * a)),
                          hi = _mm_loadu_si128((const __m128i *)(b + 32 * a + 16));
            const __m128i pair[2] = {_mm_unpacklo_epi32(lo, hi), _mm_unpackhi_epi32(lo, hi)};
            for (int w = 0; w < 4; w++) { /* blocks 2 w (low nibbles) and 2 w + 1 (high) */
                const __m256i v = _mm256_cvtepu8_epi32(w & 1 ? _mm_srli_si128(pair[w / 2], 8) : pair[w / 2]);
                const __m256 qlo = _mm256_cvtepi32_ps(_mm256_and_si256(v, low)),
                             qhi = _mm256_cvtepi32_ps(_mm256_srli_epi32(v, 4));
                _mm256_storeu_ps(out + 32 * (2 * w) + 8 * a, _mm256_fmadd_ps(qlo, d[2 * w], c[2 * w]));
                _mm256_storeu_ps(out + 32 * (2 * w + 1) + 8 * a, _mm256_fmadd_ps(qhi, d[2 * w + 1], c[2 * w + 1]));
            }
        }
    }
}
