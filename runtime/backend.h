/* The one backend interface: a table of functions each API implements in runtime/<api>.c.
 * Buffers are opaque to callers; ops address them as (buffer, byte offset) tensors (kernels/common/op.h).
 * ops[] is the API's column of the op list (kernels/ops.h): an op the backend lacks is NULL there, and callers get
 * CHORD_ERR_UNSUPPORTED, never the reference. */
#ifndef CHORD_BACKEND_H
#define CHORD_BACKEND_H

#include <stddef.h>

#include "ops.h"

/* Fixed fields, filled with snprintf from strings queried at their full length: 256 bytes hold any Vulkan or CUDA
 * device name whole (both APIs cap theirs at 256 with the NUL); a longer OpenCL string is cut, never overrun. */
typedef struct chord_device_info {
    char name[256];
    char detail[256];                   /* API version, memory, subgroup width, ... */
    int software;                       /* runs on the host CPU (PoCL, lavapipe, ref): auto prefers real devices */
    unsigned long long mem_bytes;       /* memory the device's buffers come from (0: unknown) */
    unsigned long long max_alloc_bytes; /* the largest single buffer it allocates (0: unknown) */
} chord_device_info;

#define CHORD_MAX_DEVICES 8

/* The registry (chord_launch, chord_upload, ...) has already checked each op's arguments and that every tensor's
 * span and every transfer's range lies inside its buffer: backends do not check again. Launches are
 * asynchronous; sync() waits. */
typedef struct chord_backend {
    const char *name;
    /* Lists devices; *n_out = 0 with CHORD_OK when the API works but has none. */
    chord_status (*probe)(chord_device_info *devs, int max, int *n_out);
    chord_status (*init)(int device, void **ctx_out);
    void (*shutdown)(void *ctx);
    chord_status (*alloc)(void *ctx, size_t bytes, chord_buf **out);
    void (*free)(void *ctx, chord_buf *buf);
    size_t (*buf_bytes)(const chord_buf *buf); /* its size: the registry checks every range against it */
    chord_status (*upload)(void *ctx, chord_buf *dst, size_t offset, const void *src, size_t bytes);
    chord_status (*download)(void *ctx, const chord_buf *src, size_t offset, void *dst, size_t bytes);
    chord_status (*copy)(void *ctx, chord_buf *dst, size_t dst_off, const chord_buf *src, size_t src_off, size_t bytes);
    chord_status (*sync)(void *ctx);
    /* Device-side timer around launches: start, launches, stop returns elapsed milliseconds. */
    chord_status (*timer_start)(void *ctx);
    chord_status (*timer_stop)(void *ctx, double *ms);
    /* Runs one launch (NULL: calls fn directly); Vulkan reports validation messages and profiles around it. */
    chord_status (*run)(void *ctx, chord_op op, chord_op_fn fn, const chord_tensor *t, const void *args);
    chord_op_fn ops[CHORD_OP_COUNT]; /* the launchers, chord_<op>_<api>; NULL where the API lacks the op */
} chord_backend;

/* The fields of a backend's table whose entry points are named <p>_probe, <p>_init, ... <p>_timer_stop (static in
 * runtime/<api>.c), its ops from the op list's column `reg` (CHORD_REGISTER_<API>); a backend with a `run` adds it:
 *   const chord_backend chord_backend_x = {CHORD_BACKEND_FIELDS(x, "x", CHORD_REGISTER_X), .run = x_run}; */
#define CHORD_BACKEND_FIELDS(p, api_name, reg)                                                                      \
    .name = api_name, .probe = p##_probe, .init = p##_init, .shutdown = p##_shutdown, .alloc = p##_alloc,           \
    .free = p##_free, .buf_bytes = p##_buf_bytes, .upload = p##_upload, .download = p##_download, .copy = p##_copy, \
    .sync = p##_sync, .timer_start = p##_timer_start, .timer_stop = p##_timer_stop, .ops = {CHORD_OPS(reg)}

#endif
