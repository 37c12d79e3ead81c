/* gelu's span built with AVX-512, 16 lanes (runtime/cpu.cmake's flags): cpu_span.h's C, which cpu.c
 * picks when the backend runs that path. */
#include "cpu_span.h"

void chord_gelu_span_avx512(const float *x, const float *unused, float *y, int64_t n) { gelu_span(x, unused, y, n); }
