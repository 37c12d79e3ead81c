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

/* CHORD_BACKEND_FIELDS (backend.h) for a host backend: its own p_probe, p_init, p_shutdown, p_upload, p_download and
 * p_copy, the shared host functions above for the rest. */
#define CHORD_HOST_BACKEND_FIELDS(p, api_name, reg)                                                              \
    .name = api_name, .probe = p##_probe, .init = p##_init, .shutdown = p##_shutdown, .alloc = chord_host_alloc, \
    .free = chord_host_free, .buf_bytes = chord_host_buf_bytes, .upload = p##_upload, .download = p##_download,  \
    .copy = p##_copy, .sync = chord_host_sync, .timer_start = chord_host_timer_start,                            \
    .timer_stop = chord_host_timer_stop, .ops = {CHORD_OPS(reg)}

#endif
