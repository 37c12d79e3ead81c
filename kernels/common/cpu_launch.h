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
int chord_cpu_ctx_q8_act(void *ctx); /* CHORD_CPU_Q8_ACT=1 was set when the backend started */
/* A 64-aligned buffer of at least bytes, the ctx's own and reused by the next launch (a launcher uses it between
 * its start and its return); NULL when out of memory. */
void *chord_cpu_ctx_scratch(void *ctx, size_t bytes);

/* The host address of a tensor, as the ref backend's. */
static inline void *chord_cpu_ptr(chord_tensor t) { return chord_ref_ptr(t); }

/* What a launcher that splits its op over items (rows, tokens, heads) hands each piece: the op's tensors as host
 * pointers, in the header's order, its args and the SIMD path. */
typedef struct chord_cpu_job {
    void *t[CHORD_MAX_TENSORS];
    const void *args;
    chord_cpu_isa isa;
} chord_cpu_job;
typedef void (*chord_cpu_items_fn)(const chord_cpu_job *job, int64_t i0, int64_t i1);
/* Runs items(job, i0, i1) over [0, n_items) in pieces of at least min_items (a multiple of align) over the pool;
 * t holds the op's n_tensors tensors. */
chord_status chord_cpu_launch_items(void *ctx, const chord_tensor *t, int n_tensors, const void *args, int64_t n_items,
                                    int64_t min_items, int64_t align, chord_cpu_items_fn items);

/* An elementwise op over n values, split over the pool: span(a, b, y, n) computes y[0, n) from a (and b, NULL for
 * a one-input op); the pieces are whole cache lines so no two threads write one. t: inputs then the output. */
typedef void (*chord_cpu_span_fn)(const float *a, const float *b, float *y, int64_t n);
chord_status chord_cpu_elementwise(void *ctx, const chord_tensor *t, int n_inputs, const chord_elementwise_args *a,
                                   chord_cpu_span_fn span);

/* A kernel built once per SIMD path (cpu_<x>_avx2.c / _avx512.c compile the same C with those flags): the widest
 * variant isa runs among those built. CHORD_CPU_AVX2(f) / CHORD_CPU_AVX512(f) name f where runtime/cpu.cmake built
 * that path, else NULL. */
#ifdef CHORD_CPU_HAVE_AVX2
#define CHORD_CPU_AVX2(f) f
#else
#define CHORD_CPU_AVX2(f) NULL
#endif
#ifdef CHORD_CPU_HAVE_AVX512
#define CHORD_CPU_AVX512(f) f
#else
#define CHORD_CPU_AVX512(f) NULL
#endif
chord_cpu_span_fn chord_cpu_pick_span(chord_cpu_isa isa, chord_cpu_span_fn portable, chord_cpu_span_fn avx2,
                                      chord_cpu_span_fn avx512);
chord_cpu_items_fn chord_cpu_pick_items(chord_cpu_isa isa, chord_cpu_items_fn portable, chord_cpu_items_fn avx2,
                                        chord_cpu_items_fn avx512);

CHORD_OPS(CHORD_DECLARE_CPU)

#endif
