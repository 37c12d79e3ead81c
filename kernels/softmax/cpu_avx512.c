/* softmax's row loop built with AVX-512, 16 lanes (runtime/cpu.cmake's flags): cpu_span.h's C, which cpu.c
 * picks when the backend runs that path. */
#include "cpu_span.h"

void chord_softmax_rows_avx512(const chord_cpu_job *j, int64_t r0, int64_t r1) { softmax_rows(j, r0, r1); }
