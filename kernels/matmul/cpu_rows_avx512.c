/* cpu mat-mul rows, AVX-512 F/BW/VL/DQ (+FMA, F16C): the vector vocabulary of cpu_rows_simd.h in 16-float
 * vectors. q4 nibbles become floats through one vpermps on a 16-entry table (the index is the nibble itself),
 * so a block costs a widening load, a shift and two permutes before its two FMAs.
 *
 * Versions (one AMD EPYC, 2 cores, AVX-512 + VNNI, 32 MiB L3, a machine shared with other jobs; a standalone
 * harness: op.c's matmul cases vs chord_matmul_reference, then timings, median of 31 after 3 warm-ups, weights
 * rotated over 256 MiB so mat-vecs stream from DRAM; ceilings from the same run):
 *   v1 q4_0/q4_1/q8_0 blocks decoded in registers, 4 rows per x load; dequantized-tile GEMM, 4 x 4 micro-kernel.
 *      q4_0 1x8192x2048 mat-vec 6.8 GB/s (hardware prefetch only), GEMM q4_1 128x1536x576 164 GFLOP/s.
 *   v2 software prefetch of the 4-row run 8 KiB ahead: the same mat-vec 2.5x faster (below).
 *   v3 q5_0/q5_1/q4_K/q5_K/q6_K decoded by vector code, fused into the mat-vec: q4_K 0.26 -> 5-9 GB/s.
 *   v4 mat-vec sums in 256-value partials (k = 11008 q8_0 rows had been at the element-wise bound).
 *   v5 (chord-bench, -t 2, the 2-core machine under a load average of 2.2-3.4 from other jobs, A/B alternated)
 *      each row of a 4-row group prefetched 2 KiB ahead on its own stream: q4_0 1x4096x11008 (k = 11008) 10.6-13.3
 *      -> 16.1-16.2 GB/s, 1x11008x4096 unchanged (16-20 GB/s). A decode profile (1B q4_0, tg32) has matvec at ~83%
 *      of the time outside model loading, the pool's worker ~3.5%, attention under 1%.
 *      Tried and left out: nibbles through and/shift + vcvtdq2ps instead of vpermps (1 thread: 16.2 vs 20.5 GB/s,
 *      slower); k in 4096-value segments so x stays in L1 (17.7-17.9 vs 17.6-18.0 GB/s, no change); d broadcast
 *      by vpbroadcastw + vcvtph2ps (no change); 4 KiB or 1 KiB per-row distance, 8 or 16 tasks per thread (within
 *      the noise of the loaded machine).
 * Now (load average 2.7-2.8 during the run; 1 thread unless said): ceilings read 25.6 GB/s (best 31.5), FMA
 * peak 154 GFLOP/s (242 on 2 threads); mat-vec q4_0 1x8192x2048 16.3 GB/s (64% of read), q8_0 1x49152x576 (the
 * SmolLM2 head) 27.0 GB/s, q4_1 1x1536x576 13.8 GB/s, q4_K 5.3, q6_K 6.8, f16 15.1, f32 17.4 GB/s; GEMM
 * q4_1 128x1536x576 130 GFLOP/s (85% of the run's peak), q4_0 128x2048x2048 141 (208 on 2 threads), f32 117.
 * In the model (the cpu backend, bench-model, load ~3-4): SmolLM2-135M Q4_1 -t 2 pp128 746-781 tok/s, tg64
 * 172-175 tok/s (-t 1: 432-447 / 125-133); synthetic llama-1b q4_0 -t 2 pp16 77, tg8 39 tok/s = 27 GB/s of weights. */
#include <immintrin.h>

typedef __m512 vf;
#define VL 16
#define MR 4 /* 4 x 4 accumulators + 4 X vectors + 1 W vector of 32 registers */

static inline vf vf_zero(void) { return _mm512_setzero_ps(); }
static inline vf vf_set1(float f) { return _mm512_set1_ps(f); }
static inline vf vf_loadu(const float *p) { return _mm512_loadu_ps(p); }
static inline vf vf_load_part(const float *p, int n) { return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p); }
static inline void vf_storeu(float *p, vf v) { _mm512_storeu_ps(p, v); }
static inline vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline float vf_hsum(vf v) { return _mm512_reduce_add_ps(v); }
static inline vf vf_f16(const void *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }
static inline vf vf_bf16(const void *p)
{
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p)), 16));
}
static inline __m256 half_sum(vf v) { return _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1)); }
/* a macro: hsum4_256 comes with cpu_rows_simd.h */
#define vf_hsum4(a, b, c, d) hsum4_256(half_sum(a), half_sum(b), half_sum(c), half_sum(d))

static inline void dec_q4(const unsigned char *qs, int off8, vf q[2])
{
    const __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)qs));
    const vf table = off8 ? _mm512_setr_ps(-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7)
                          : _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    q[0] = _mm512_permutexvar_ps(v, table); /* uses the low 4 bits of each index: the low nibble */
    q[1] = _mm512_permutexvar_ps(_mm512_srli_epi32(v, 4), table);
}

static inline void dec_q8(const signed char *qs, vf q[2])
{
    q[0] = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)qs)));
    q[1] = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(qs + 16))));
}

/* 16 bytes' fields (p[l] >> shift) & mask as floats */
static inline void dec_field(const unsigned char *p, int shift, int mask, vf out[1])
{
    const __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)p));
    out[0] = _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srli_epi32(v, shift), _mm512_set1_epi32(mask)));
}

/* bit i of bits (i = 0..31) as 0.0 or 1.0: the bits are the mask of a masked move */
static inline void dec_bits32(unsigned bits, vf out[2])
{
    out[0] = _mm512_maskz_mov_ps((__mmask16)bits, _mm512_set1_ps(1.0f));
    out[1] = _mm512_maskz_mov_ps((__mmask16)(bits >> 16), _mm512_set1_ps(1.0f));
}

/* the GEMM's tile decoder for the split layouts (cpu_split_avx512.c) */
#define SPLIT_DEQUANT chord_matmul_cpu_split_dequant_avx512
#include "cpu_rows_simd.h"

void chord_matmul_cpu_rows_avx512(const void *w, const float *x, float *y, const chord_matmul_args *a, int n0, int n1)
{
    if (a->m == 1 && chord_type_info(a->wtype)->internal && a->k > 0)
        chord_matmul_cpu_split_matvec_avx512(w, x, y, a, n0, n1); /* the split layouts' own mat-vec */
    else
        cpu_rows(w, x, y, a, n0, n1);
}
