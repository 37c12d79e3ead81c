/* cpu mat-mul rows, AVX2 + FMA + F16C: the vector vocabulary of cpu_rows_simd.h in 8-float vectors.
 * Figures: below, filled in from the standalone harness. */
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

static inline void dec_q4(const unsigned char *qs, int off8, vf q[4])
{
    const __m128i b = _mm_loadu_si128((const __m128i *)qs), low = _mm_set1_epi8(0x0f);
    const __m128i off = _mm_set1_epi8(off8 ? 8 : 0);
    const __m128i lo = _mm_sub_epi8(_mm_and_si128(b, low), off);
    const __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(b, 4), low), off);
    q[0] = bytes_to_floats(lo);
    q[1] = bytes_to_floats(_mm_srli_si128(lo, 8));
    q[2] = bytes_to_floats(hi);
    q[3] = bytes_to_floats(_mm_srli_si128(hi, 8));
}

static inline void dec_q8(const signed char *qs, vf q[4])
{
    for (int i = 0; i < 4; i++)
        q[i] = bytes_to_floats(_mm_loadl_epi64((const __m128i *)(qs + 8 * i)));
}

#include "cpu_rows_simd.h"

void chord_matmul_cpu_rows_avx2(const void *w, const float *x, float *y, const chord_matmul_args *a, int n0, int n1)
{
    cpu_rows(w, x, y, a, n0, n1);
}
