/* The cpu backend's rope on host pointers (kernels/rope/cpu.c), for the fused ops that turn their own outputs
 * (matmul_qkv's cpu path): tokens t0 .. t1 - 1 of x into y, as chord_rope_cpu computes them. */
#ifndef CHORD_CPU_ROPE_H
#define CHORD_CPU_ROPE_H

#include <stdint.h>

#include "rope.h"

void chord_rope_cpu_span(const float *x, float *y, const chord_rope_args *a, int64_t t0, int64_t t1);

#endif
