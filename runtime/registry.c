/* The registry: which backends were compiled in, and opening one by name or the best that starts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chord.h"
#include "add/add.h"

extern const chord_backend chord_backend_ref;
extern const chord_backend chord_backend_cpu;
#ifdef CHORD_HAVE_CUDA
extern const chord_backend chord_backend_cuda;
#endif
#ifdef CHORD_HAVE_VULKAN
extern const chord_backend chord_backend_vulkan;
#endif
#ifdef CHORD_HAVE_OPENCL
extern const chord_backend chord_backend_opencl;
#endif

/* Preference order for auto: the fastest API first, the reference last. */
static const chord_backend *const backends[] = {
#ifdef CHORD_HAVE_CUDA
    &chord_backend_cuda,
#endif
#ifdef CHORD_HAVE_VULKAN
    &chord_backend_vulkan,
#endif
#ifdef CHORD_HAVE_OPENCL
    &chord_backend_opencl,
#endif
    &chord_backend_cpu,    &chord_backend_ref,
};

/* The backend named by the first len bytes of name (the user's: any length). */
static const chord_backend *find_n(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (strlen(backends[i]->name) == len && memcmp(backends[i]->name, name, len) == 0)
            return backends[i];
    return NULL;
}

int chord_backend_count(void) { return (int)(sizeof backends / sizeof backends[0]); }

const chord_backend *chord_backend_at(int i) { return (i >= 0 && i < chord_backend_count()) ? backends[i] : NULL; }

const chord_backend *chord_backend_find(const char *name) { return find_n(name, strlen(name)); }

static chord_status open_one(const chord_backend *be, int device, chord_rt *rt)
{
    chord_device_info devs[CHORD_MAX_DEVICES];
    memset(devs, 0, sizeof devs);
    int n = 0;
    CHORD_TRY(be->probe(devs, CHORD_MAX_DEVICES, &n));
    if (n == 0)
        return chord_fail(CHORD_ERR_UNAVAILABLE, "%s: no device found", be->name);
    if (device < 0 || device >= n)
        return chord_fail(CHORD_ERR_UNAVAILABLE, "%s: device %d does not exist (%d found)", be->name, device, n);
    memset(rt, 0, sizeof *rt);
    CHORD_TRY(be->init(device, &rt->ctx));
    rt->be = be;
    rt->device = device;
    rt->info = devs[device];
    return CHORD_OK;
}

/* Software devices in the order they run the default model on the host CPU: chord's own cpu backend (SIMD kernels
 * on a thread pool) first, then PoCL's vectorized, threaded kernels, then lavapipe; the reference (threaded
 * matmul) is the last resort. */
static int software_rank(const chord_backend *be)
{
    static const char *const order[] = {"cpu", "opencl", "vulkan"};
    for (int r = 0; r < 3; r++)
        if (strcmp(be->name, order[r]) == 0)
            return r;
    return 3;
}

int chord_auto_order(const chord_backend **out, int max)
{
    const int nb = chord_backend_count();
    int software[16] = {0};
    for (int i = 0; i < nb && i < 16; i++) {
        chord_device_info devs[CHORD_MAX_DEVICES];
        memset(devs, 0, sizeof devs);
        int n = 0;
        /* a backend with no device keeps its place: opening it reports why */
        software[i] = backends[i]->probe(devs, CHORD_MAX_DEVICES, &n) == CHORD_OK && n > 0 && devs[0].software;
    }
    int k = 0;
    for (int i = 0; i < nb && i < 16 && k < max; i++)
        if (!software[i])
            out[k++] = backends[i];
    for (int r = 0; r < 4; r++)
        for (int i = 0; i < nb && i < 16 && k < max; i++)
            if (software[i] && software_rank(backends[i]) == r)
                out[k++] = backends[i];
    return k;
}

/* One small launch, synced and read back: a backend that opens but cannot build or run a kernel (PoCL unable to
 * write its cache, a broken driver) fails here, where auto mode can still take the next one. */
static chord_status warm_up(chord_rt *rt)
{
    enum { N = 64 };
    float host[N] = {0};
    chord_buf *buf = NULL;
    CHORD_TRY(chord_alloc(rt, sizeof host, &buf));
    const chord_tensor t[3] = {{buf, 0}, {buf, 0}, {buf, 0}}; /* y = y + y in place, as the residual add */
    const chord_add_args a = {N};
    chord_status s = chord_upload(rt, buf, 0, host, sizeof host);
    if (s == CHORD_OK)
        s = chord_launch(rt, CHORD_OP_ADD, t, &a);
    if (s == CHORD_OK)
        s = chord_download(rt, buf, 0, host, sizeof host);
    if (s == CHORD_OK)
        s = chord_sync(rt);
    chord_free(rt, buf);
    return s;
}

chord_status chord_open(const char *spec, chord_rt *rt, chord_skip_log log)
{
    if (spec == NULL || strcmp(spec, "auto") == 0) {
        const chord_backend *order[16];
        const int n = chord_auto_order(order, 16);
        for (int i = 0; i < n; i++) {
            chord_status s = open_one(order[i], 0, rt);
            const int absent = s == CHORD_ERR_UNAVAILABLE;
            if (s == CHORD_OK && (s = warm_up(rt)) != CHORD_OK) {
                chord_fail(s, "failed at warm-up: %s", chord_last_error());
                chord_close(rt);
            }
            if (s == CHORD_OK)
                return CHORD_OK;
            if (log)
                log(absent ? CHORD_SKIP_ABSENT : CHORD_SKIP_FAILED, order[i]->name, chord_last_error());
        }
        return chord_fail(CHORD_ERR_UNAVAILABLE, "no backend could be started");
    }
    int device = 0;
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    if (len == 0)
        return chord_fail(CHORD_ERR_INVALID, "bad backend '%s' (want NAME or NAME:DEVICE)", spec);
    if (colon) {
        char *end;
        long d = strtol(colon + 1, &end, 10);
        if (*end || end == colon + 1 || d < 0 || d >= CHORD_MAX_DEVICES)
            return chord_fail(CHORD_ERR_INVALID, "bad device number in '%s'", spec);
        device = (int)d;
    }
    const chord_backend *be = find_n(spec, len);
    if (!be) {
        char known[256] = ""; /* the compiled-in names: a few short words */
        for (int i = 0; i < chord_backend_count(); i++) {
            strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
            strncat(known, backends[i]->name, sizeof known - strlen(known) - 1);
        }
        return chord_fail(CHORD_ERR_UNAVAILABLE, "backend '%.*s' is not compiled in (have: %s)", (int)len, spec, known);
    }
    return open_one(be, device, rt);
}

void chord_close(chord_rt *rt)
{
    if (rt->be && rt->ctx)
        rt->be->shutdown(rt->ctx);
    rt->be = NULL;
    rt->ctx = NULL;
}

/* The launcher answers for itself: called without tensors it says whether it runs these args. */
int chord_supports(const chord_rt *rt, chord_op op, const void *args)
{
    if (op < 0 || op >= CHORD_OP_COUNT || !rt->be->ops[op])
        return 0;
    return rt->be->ops[op](rt->ctx, NULL, args) == CHORD_OK;
}

/* The one range check every transfer and launch passes, so no backend repeats it. */
static chord_status range_ok(const chord_rt *rt, const chord_buf *b, size_t off, size_t bytes, const char *what)
{
    const size_t have = rt->be->buf_bytes(b);
    if (off > have || bytes > have - off)
        return chord_fail(CHORD_ERR_INVALID, "%s: %s: %zu bytes from offset %zu do not fit a buffer of %zu bytes",
                          rt->be->name, what, bytes, off, have);
    return CHORD_OK;
}

chord_status chord_launch(chord_rt *rt, chord_op op, const chord_tensor *t, const void *args)
{
    const chord_op_desc *d = chord_op_desc_of(op);
    if (!d)
        return chord_fail(CHORD_ERR_INVALID, "unknown op %d", (int)op);
    /* each op's argument contract (its header), checked once here for every backend, as the ranges are */
    const char *bad = d->check(args);
    if (bad)
        return chord_fail(CHORD_ERR_INVALID, "%s: %s: bad arguments: %s", rt->be->name, d->name, bad);
    const chord_op_fn fn = rt->be->ops[op];
    if (!fn)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "backend %s does not implement %s", rt->be->name, d->name);
    if (fn(rt->ctx, NULL, args) != CHORD_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", chord_last_error()); /* chord_fail rewrites the buffer it points to */
        return chord_fail(CHORD_ERR_UNSUPPORTED, "backend %s does not implement %s for these arguments: %s",
                          rt->be->name, d->name, why);
    }
    for (int i = 0; i < d->n_tensors; i++) {
        char what[64];
        if (!t[i].buf)
            return chord_fail(CHORD_ERR_INVALID, "%s: tensor %d has no buffer", d->name, i);
        snprintf(what, sizeof what, "%s tensor %d", d->name, i);
        CHORD_TRY(range_ok(rt, t[i].buf, t[i].offset, d->tensor_bytes(args, i), what));
    }
    return rt->be->run ? rt->be->run(rt->ctx, op, fn, t, args) : fn(rt->ctx, t, args);
}

chord_status chord_alloc(chord_rt *rt, size_t bytes, chord_buf **out)
{
    if (bytes == 0)
        return chord_fail(CHORD_ERR_INVALID, "alloc of 0 bytes");
    return rt->be->alloc(rt->ctx, bytes, out);
}

void chord_free(chord_rt *rt, chord_buf *buf)
{
    if (buf)
        rt->be->free(rt->ctx, buf);
}

chord_status chord_upload(chord_rt *rt, chord_buf *dst, size_t off, const void *src, size_t bytes)
{
    if (!bytes)
        return CHORD_OK;
    CHORD_TRY(range_ok(rt, dst, off, bytes, "upload"));
    return rt->be->upload(rt->ctx, dst, off, src, bytes);
}

chord_status chord_download(chord_rt *rt, const chord_buf *src, size_t off, void *dst, size_t bytes)
{
    if (!bytes)
        return CHORD_OK;
    CHORD_TRY(range_ok(rt, src, off, bytes, "download"));
    return rt->be->download(rt->ctx, src, off, dst, bytes);
}

chord_status chord_copy(chord_rt *rt, chord_buf *dst, size_t dst_off, const chord_buf *src, size_t src_off,
                        size_t bytes)
{
    if (!bytes)
        return CHORD_OK;
    CHORD_TRY(range_ok(rt, dst, dst_off, bytes, "copy destination"));
    CHORD_TRY(range_ok(rt, src, src_off, bytes, "copy source"));
    return rt->be->copy(rt->ctx, dst, dst_off, src, src_off, bytes);
}

chord_status chord_sync(chord_rt *rt) { return rt->be->sync(rt->ctx); }

int chord_step_begin(chord_rt *rt) { return rt->be->step_begin ? rt->be->step_begin(rt->ctx) : 0; }

chord_status chord_step_end(chord_rt *rt, int run)
{
    return rt->be->step_end ? rt->be->step_end(rt->ctx, run) : CHORD_OK;
}

int chord_has_argmax(const chord_rt *rt) { return rt->be->argmax != NULL; }

chord_status chord_argmax(chord_rt *rt, const chord_buf *src, size_t off, int64_t n, int32_t out[2])
{
    if (!rt->be->argmax)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "backend %s has no device argmax", rt->be->name);
    if (n < 1 || n > 0x7fffffff)
        return chord_fail(CHORD_ERR_INVALID, "argmax of %lld values", (long long)n);
    CHORD_TRY(range_ok(rt, src, off, (size_t)n * sizeof(float), "argmax"));
    return rt->be->argmax(rt->ctx, src, off, n, out);
}
