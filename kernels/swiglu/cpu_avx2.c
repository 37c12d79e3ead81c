/* swiglu's span built with AVX2+FMA+F16C, 8 lanes (runtime/cpu.cmake's flags): cpu_span.h's C, which cpu.c
 * picks when the backend runs that path. */
#include "cpu_span.h"

void chord_swiglu_span_avx2(const float *gate, const float *up, float *y, int64_t n) { swiglu_span(gate, up, y, n); }
