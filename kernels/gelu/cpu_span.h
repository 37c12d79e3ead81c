/* gelu's span on the cpu backend, the one C body each SIMD path compiles (cpu.c portable, cpu_avx2.c, cpu_avx512.c):
 * 0.5 x (1 + tanh u) written as x / (1 + e^-2u), u = sqrt(2/pi) (x + 0.044715 x^3), which avoids the cancellation of
 * 1 + tanh u for negative x; float, with cpu_math.h's exp.
 * Measured: 16M: 16.5 GB/s, 44% of the copy (chord-bench, AVX-512 machine of 2 cores at load average ~1.5, copy ceiling
 * 37 GB/s in the same run). */
#ifndef CHORD_GELU_CPU_SPAN_H
#define CHORD_GELU_CPU_SPAN_H

#include <stdint.h>

#include "../common/cpu_math.h"

static inline void gelu_span(const float *x, const float *unused, float *y, int64_t n)
{
    /* x, y: (n); y may alias x exactly */
    (void)unused;
    const float c2 = 2.0f * 0.79788456080286536f; /* 2 sqrt(2/pi) */
    for (int64_t i = 0; i < n; i++) {
        const float v = x[i];
        y[i] = v / (1.0f + chord_cpu_expf(-c2 * (v + 0.044715f * v * v * v)));
    }
}

void chord_gelu_span_avx2(const float *x, const float *unused, float *y, int64_t n);
void chord_gelu_span_avx512(const float *x, const float *unused, float *y, int64_t n);

#endif
