/* swiglu's span on the cpu backend, the one C body each SIMD path compiles (cpu.c portable, cpu_avx2.c, cpu_avx512.c):
 * silu(g) * up = g * up / (1 + e^-g) in float with cpu_math.h's exp.
 * Measured: 16M: 25.8 GB/s, 70% of the copy (6% when the exp loop was not vectorized) (chord-bench, AVX-512 machine of
 * 2 cores at load average ~1.5, copy ceiling 37 GB/s in the same run). */
#ifndef CHORD_SWIGLU_CPU_SPAN_H
#define CHORD_SWIGLU_CPU_SPAN_H

#include <stdint.h>

#include "../common/cpu_math.h"

static inline void swiglu_span(const float *gate, const float *up, float *y, int64_t n)
{
    /* gate, up, y: (n); y may alias gate or up exactly: element i is read before it is written */
    for (int64_t i = 0; i < n; i++)
        y[i] = gate[i] * up[i] / (1.0f + chord_cpu_expf(-gate[i]));
}

void chord_swiglu_span_avx2(const float *gate, const float *up, float *y, int64_t n);
void chord_swiglu_span_avx512(const float *gate, const float *up, float *y, int64_t n);

#endif
