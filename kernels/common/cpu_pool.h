/* The cpu backend's thread pool (runtime/cpu_pool.c): made once when the backend starts, then every launch hands
 * it tasks. The caller's thread takes tasks too, and a launch waits only for tasks that were taken, never for a
 * worker that has not woken: on a busy machine the caller runs what the sleepers did not start, instead of
 * spinning for them. Workers sleep on a condition variable after a short, bounded spin. */
#ifndef CHORD_CPU_POOL_H
#define CHORD_CPU_POOL_H

#include <stdint.h>

#include "status.h"

typedef struct chord_cpu_pool chord_cpu_pool;

/* A pool of n_threads in all (the caller counts as one, so n_threads - 1 are started). */
chord_status chord_cpu_pool_create(int n_threads, chord_cpu_pool **out);
void chord_cpu_pool_destroy(chord_cpu_pool *pool);
int chord_cpu_pool_threads(const chord_cpu_pool *pool);

/* Runs fn(ctx, task) for every task in [0, n_tasks) and returns when all are done. Not reentrant: one caller at a
 * time (a backend context is used from one thread). */
void chord_cpu_parallel(chord_cpu_pool *pool, int n_tasks, void (*fn)(void *ctx, int task), void *ctx);

/* Runs fn(ctx, i0, i1) over [0, n) in pieces of at least min_chunk (a multiple of align, but the last) and about
 * 4 per thread, so a slow thread delays the end by a small piece. */
typedef void (*chord_cpu_range_fn)(void *ctx, int64_t i0, int64_t i1);
void chord_cpu_parallel_range(chord_cpu_pool *pool, int64_t n, int64_t min_chunk, int64_t align, chord_cpu_range_fn fn,
                              void *ctx);

/* The thread count a new pool gets: CHORD_CPU_THREADS, else the physical cores this process may run on. */
int chord_cpu_default_threads(void);

#endif
