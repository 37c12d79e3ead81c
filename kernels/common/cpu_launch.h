/* What the cpu backend (runtime/cpu.c) and its launchers (kernels/<op>/cpu.c) share: buffers are host memory laid
 * out as the ref backend's (64-byte aligned here), and the launcher's ctx holds the thread pool and the SIMD path. */
#ifndef CHORD_CPU_LAUNCH_H
#define CHORD_CPU_LAUNCH_H

#include "../ops.h"
#include "cpu_isa.h"
#include "cpu_pool.h"
#include "ref_launch.h"

chord_cpu_pool *chord_cpu_ctx_pool(void *ctx);
chord_cpu_isa chord_cpu_ctx_isa(void *ctx);

/* The host address of a tensor, as the ref backend's. */
static inline void *chord_cpu_ptr(chord_tensor t) { return chord_ref_ptr(t); }

/* An elementwise op over n values, split over the pool: span(a, b, y, n) computes y[0, n) from a (and b, NULL for
 * a one-input op); the pieces are whole cache lines so no two threads write one. t: inputs then the output. */
typedef void (*chord_cpu_span_fn)(const float *a, const float *b, float *y, int64_t n);
chord_status chord_cpu_elementwise(void *ctx, const chord_tensor *t, int n_inputs, const chord_elementwise_args *a,
                                   chord_cpu_span_fn span);

CHORD_OPS(CHORD_DECLARE_CPU)

#endif
