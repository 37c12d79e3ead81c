/* cpu mat-mul rows, AVX2 + FMA + F16C: the vector vocabulary of cpu_rows_simd.h in 8-float vectors.
 * Without a 16-entry permute, q4 nibbles take the integer route: each 8 bytes widened to dwords once, the low
 * nibble a mask away, the high one a shift, then one conversion each. The split layouts' mat-vec and tile decoder
 * are cpu_split_avx2.c's.
 * Figures (the harness and run of cpu_rows_avx512.c's header, load average 2.7-2.8, 1 thread): FMA peak 81 GFLOP/s
 * (110 on 2 threads); mat-vec q4_0 1x8192x2048 9.4 GB/s (37% of read: the conversions bound it), q8_0
 * 1x49152x576 12.1 GB/s (21.6 on 2 threads), q4_1 1x1536x576 9.5, q4_K 5.8, q6_K 4.4, f16 17.1, f32 16.2 GB/s;
 * GEMM (3 x 4 micro-kernel) q4_1 128x1536x576 89 GFLOP/s (160 on 2 threads), q4_0 128x2048x2048 78, f32 84.
 * In the model (CHORD_CPU_ISA=avx2, load ~5): SmolLM2-135M Q4_1 -t 1 pp128 183, tg64 51 tok/s. */
#include <immintrin.h>

typedef __m256 vf;
#define VL 8
#define MR 3 /* 3 x 4 accumulators + 3 X vectors + 1 W vector of 16 registers */

static inline vf vf_zero(void) { return _mm256_setzero_ps(); }
static inline vf vf_set1(float f) { return _mm256_set1_ps(f); }
static inline vf vf_loadu(const float *p) { return _mm256_loadu_ps(p); }
static inline vf vf_load_part(const float *p, int n)
{
    static const int ones[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_maskload_ps(p, _mm256_loadu_si256((const __m256i *)(ones + 8 - n)));
}
static inline void vf_storeu(float *p, vf v) { _mm256_storeu_ps(p, v); }
static inline vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vf_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline float vf_hsum(vf v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}
static inline vf vf_f16(const void *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
static inline vf vf_bf16(const void *p)
{
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}
#define vf_hsum4 hsum4_256 /* from cpu_rows_simd.h */

/* 8 signed bytes to 8 floats */
static inline vf bytes_to_floats(__m128i b) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b)); }

/* Each 8 bytes widen once to dwords; the low nibble is a mask away and the high one a shift, both already the
 * value (0..15) in its dword, so one conversion each. */
static inline void dec_q4(const unsigned char *qs, int off8, vf q[4])
{
    const __m256i low = _mm256_set1_epi32(0x0f), off = _mm256_set1_epi32(off8 ? 8 : 0);
    for (int h = 0; h < 2; h++) {
        const __m256i v = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(qs + 8 * h)));
        q[h] = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_and_si256(v, low), off));
        q[2 + h] = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(v, 4), off));
    }
}

/* 16 bytes' fields (p[l] >> shift) & mask as floats */
static inline void dec_field(const unsigned char *p, int shift, int mask, vf out[2])
{
    for (int h = 0; h < 2; h++) {
        const __m256i v = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + 8 * h)));
        out[h] = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(v, shift), _mm256_set1_epi32(mask)));
    }
}

/* bit i of bits (i = 0..31) as 0.0 or 1.0 */
static inline void dec_bits32(unsigned bits, vf out[4])
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), one = _mm256_set1_epi32(1);
    for (int i = 0; i < 4; i++)
        out[i] =
            _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32((int)(bits >> 8 * i)), lane), one));
}

static inline void dec_q8(const signed char *qs, vf q[4])
{
    for (int i = 0; i < 4; i++)
        q[i] = bytes_to_floats(_mm_loadl_epi64((const __m128i *)(qs + 8 * i)));
}

/* the GEMM's tile decoder for the split layouts (cpu_split_avx2.c) */
#define SPLIT_DEQUANT chord_matmul_cpu_split_dequant_avx2
#include "cpu_rows_simd.h"

void chord_matmul_cpu_rows_avx2(const void *w, const float *x, float *y, const chord_matmul_args *a, int n0, int n1)
{
    if (a->m == 1 && chord_type_info(a->wtype)->internal && a->k > 0)
        chord_matmul_cpu_split_matvec_avx2(w, x, y, a, n0, n1); /* the split layouts' own mat-vec */
    else
        cpu_rows(w, x, y, a, n0, n1);
}
