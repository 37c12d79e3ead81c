/* Float math the cpu kernels inline, written so the auto-vectorizer turns a loop of calls into SIMD code (libm's
 * expf is a call it cannot vectorize without -ffast-math). */
#ifndef CHORD_CPU_MATH_H
#define CHORD_CPU_MATH_H

#include <stdint.h>
#include <string.h>

/* exp(x) within ~2 ulp for x in [-87, 88] (Cephes' expf: x = n ln2 + r, |r| <= ln2 / 2, a degree-6 polynomial for
 * e^r, 2^n from the exponent bits); inputs outside are clamped, so exp(-inf) is ~1e-38, never NaN. The rounding of
 * x / ln2 to n uses the 1.5 * 2^23 trick, exact under round-to-nearest, which SSE2 vectorizes. */
static inline float chord_cpu_expf(float x)
{
    x = x < -87.0f ? -87.0f : x; /* two selects, not nested: the vectorizer if-converts these */
    x = x > 88.0f ? 88.0f : x;
    const float shifter = 12582912.0f; /* 1.5 * 2^23 */
    const float n = (x * 1.44269504088896341f + shifter) - shifter;
    const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* a . b over n floats in CHORD_CPU_LANES independent sums, which the vectorizer maps onto SIMD registers without
 * reassociating anything (so no -ffast-math). */
#define CHORD_CPU_LANES 16
static inline float chord_cpu_dot(const float *restrict a, const float *restrict b, int n)
{
    float acc[CHORD_CPU_LANES] = {0};
    int i = 0;
    for (; i + CHORD_CPU_LANES <= n; i += CHORD_CPU_LANES)
        for (int l = 0; l < CHORD_CPU_LANES; l++)
            acc[l] += a[i + l] * b[i + l];
    for (; i < n; i++)
        acc[0] += a[i] * b[i];
    for (int w = CHORD_CPU_LANES / 2; w > 0; w /= 2) /* a tree, so the lanes fold in SIMD steps too */
        for (int l = 0; l < w; l++)
            acc[l] += acc[l + w];
    return acc[0];
}

#endif
