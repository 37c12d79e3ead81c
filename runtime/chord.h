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

/* Backends compiled in, in preference order (cuda, vulkan, opencl, ref). */
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

int chord_supports(const chord_rt *rt, chord_op op, const void *args);
chord_status chord_launch(chord_rt *rt, chord_op op, const chord_tensor *t, const void *args);

chord_status chord_alloc(chord_rt *rt, size_t bytes, chord_buf **out);
void chord_free(chord_rt *rt, chord_buf *buf);
chord_status chord_upload(chord_rt *rt, chord_buf *dst, size_t off, const void *src, size_t bytes);
chord_status chord_download(chord_rt *rt, const chord_buf *src, size_t off, void *dst, size_t bytes);
chord_status chord_copy(chord_rt *rt, chord_buf *dst, size_t dst_off, const chord_buf *src, size_t src_off,
                        size_t bytes);
chord_status chord_sync(chord_rt *rt);

#endif
