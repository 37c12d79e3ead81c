/* What the two host-memory backends (runtime/ref.c, runtime/cpu.c) share: buffers of kernels/common/ref_launch.h,
 * CHORD_HOST_ALIGN-aligned, and a wall-clock timer whose state is the first member of the backend's ctx. */
#ifndef CHORD_HOST_H
#define CHORD_HOST_H

#include "backend.h"

#define CHORD_HOST_ALIGN 64 /* a cache line, and the widest SIMD load */

unsigned long long chord_host_mem_bytes(void); /* the host's physical memory, what malloc draws on; 0: unknown */
chord_status chord_host_alloc(void *ctx, size_t bytes, chord_buf **out);
void chord_host_free(void *ctx, chord_buf *b);
size_t chord_host_buf_bytes(const chord_buf *b);
chord_status chord_host_sync(void *ctx); /* launches return when their work is done: nothing to wait for */
/* ctx points to a struct timespec (the first member of the backend's ctx) */
chord_status chord_host_timer_start(void *ctx);
chord_status chord_host_timer_stop(void *ctx, double *ms);

#endif
