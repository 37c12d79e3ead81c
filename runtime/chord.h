/* libchord's public entry points: pick a backend, move data, launch ops. */
#ifndef CHORD_H
#define CHORD_H

#include "backend.h"

typedef struct chord_rt {
    const chord_backend *be;
    void *ctx;
    int device;
    chord_device_info info;
} chord_rt;

/* Backends compiled in, in preference order (cuda, vulkan, opencl, cpu, ref). */
int chord_backend_count(void);
const chord_backend *chord_backend_at(int i);
const chord_backend *chord_backend_find(const char *name);
/* The order `auto` tries: backends whose first device is real hardware in preference order, then software devices
 * (PoCL, lavapipe), then ref. Fills out[] and returns the count. */
int chord_auto_order(const chord_backend **out, int max);

/* Why auto mode passed a backend over: ABSENT for an ordinary reason (no driver, no device: CHORD_ERR_UNAVAILABLE),
 * which callers show only when asked (-v); FAILED when it is there but would not start or warm up (always shown). */
typedef enum chord_skip { CHORD_SKIP_ABSENT, CHORD_SKIP_FAILED } chord_skip;
typedef void (*chord_skip_log)(chord_skip why, const char *backend, const char *reason);

/* Opens "NAME", "NAME:DEVICE" or NULL/"auto". Auto takes the first backend in chord_auto_order that starts and runs
 * one small launch (its warm-up); each one passed over is reported on `log` (may be NULL) before the next is tried.
 * A named backend is opened as asked: its failures are the caller's to report. */
chord_status chord_open(const char *spec, chord_rt *rt, chord_skip_log log);
void chord_close(chord_rt *rt);

/* 1 when rt's backend runs op with these args (it has the op, and the types, variants and device limits fit), else
 * 0 (a backend that checked its limits leaves the reason in chord_last_error()). Launches nothing. Args are not
 * checked against the op's contract here: chord_launch does that. */
int chord_supports(const chord_rt *rt, chord_op op, const void *args);
/* Queues op on t[0 .. chord_op_n_tensors(op)) (the order kernels/<op>/<op>.h gives) with its chord_<op>_args.
 * CHORD_ERR_INVALID for args that break the op's contract or a tensor span outside its buffer, checked before
 * anything runs; CHORD_ERR_UNSUPPORTED when the backend lacks the op (never run elsewhere). Asynchronous. */
chord_status chord_launch(chord_rt *rt, chord_op op, const chord_tensor *t, const void *args);

/* A device buffer of bytes; CHORD_ERR_INVALID for 0 bytes, CHORD_ERR_NOMEM / CHORD_ERR_DEVICE when the device
 * refuses. */
chord_status chord_alloc(chord_rt *rt, size_t bytes, chord_buf **out);
void chord_free(chord_rt *rt, chord_buf *buf); /* NULL is a no-op */
/* Host -> device, bytes at off; CHORD_ERR_INVALID when [off, off + bytes) is outside dst. */
chord_status chord_upload(chord_rt *rt, chord_buf *dst, size_t off, const void *src, size_t bytes);
/* Device -> host after every launch queued before it; CHORD_ERR_INVALID when the range is outside src. */
chord_status chord_download(chord_rt *rt, const chord_buf *src, size_t off, void *dst, size_t bytes);
/* Device -> device; CHORD_ERR_INVALID when either range is outside its buffer. */
chord_status chord_copy(chord_rt *rt, chord_buf *dst, size_t dst_off, const chord_buf *src, size_t src_off,
                        size_t bytes);
/* Waits for every queued launch and copy; a failure of one of them is reported here. */
chord_status chord_sync(chord_rt *rt);

/* A decode step recorded and run as one unit where the backend offers it (CUDA graphs; backend.h): 1 when the
 * launches that follow are recorded, 0 when they run as usual (and chord_step_end is a no-op). chord_step_end(rt, 1)
 * runs them; (rt, 0) drops them. Nothing may wait for the device in between (no download, no sync). */
int chord_step_begin(chord_rt *rt);
chord_status chord_step_end(chord_rt *rt, int run);
/* Whether the backend takes the argmax on the device (otherwise callers download and take it themselves). */
int chord_has_argmax(const chord_rt *rt);
/* out[0] = the lowest index of the largest of the n f32 at (src, off), after every launch queued before it; out[1]
 * = the lowest index of a NaN among them, or -1. Only the two indices cross to the host. CHORD_ERR_UNSUPPORTED
 * where the backend lacks it. */
chord_status chord_argmax(chord_rt *rt, const chord_buf *src, size_t off, int64_t n, int32_t out[2]);

#endif
