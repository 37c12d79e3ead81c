/* The ref backend: host memory and the scalar references (launchers chord_<op>_ref in kernels/<op>/ref.c), so
 * the reference runs through the same interface as every device and serves as the last choice of `auto`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "common/ref_launch.h"
#include "host.h"

typedef struct ref_ctx {
    struct timespec t0; /* first: the host timer's */
} ref_ctx;

int chord_ref_threads(void)
{
    const char *env = getenv("CHORD_REF_THREADS");
    long n = env && *env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static chord_status ref_probe(chord_device_info *devs, int max, int *n_out)
{
    if (max > 0) {
        devs[0].software = 1;
        strcpy(devs[0].name, "host CPU (scalar C reference)");
        snprintf(devs[0].detail, sizeof devs[0].detail,
                 "defines every op; matmul outputs split over %d threads (CHORD_REF_THREADS)", chord_ref_threads());
        devs[0].mem_bytes = devs[0].max_alloc_bytes = chord_host_mem_bytes();
    }
    *n_out = 1;
    return CHORD_OK;
}

static chord_status ref_init(int device, void **ctx_out)
{
    (void)device;
    ref_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return chord_fail(CHORD_ERR_NOMEM, "ref: out of host memory");
    *ctx_out = c;
    return CHORD_OK;
}

static void ref_shutdown(void *ctx) { free(ctx); }

unsigned long long chord_host_mem_bytes(void)
{
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (unsigned long long)pages * page : 0;
}

chord_status chord_host_alloc(void *ctx, size_t bytes, chord_buf **out)
{
    (void)ctx;
    chord_buf *b = malloc(sizeof *b);
    unsigned char *d =
        aligned_alloc(CHORD_HOST_ALIGN, (bytes + CHORD_HOST_ALIGN - 1) / CHORD_HOST_ALIGN * CHORD_HOST_ALIGN);
    if (!b || !d) {
        free(b);
        free(d);
        return chord_fail(CHORD_ERR_NOMEM, "host: cannot allocate %zu bytes", bytes);
    }
    b->bytes = bytes;
    b->data = d;
    *out = b;
    return CHORD_OK;
}

void chord_host_free(void *ctx, chord_buf *b)
{
    (void)ctx;
    free(b->data);
    free(b);
}

size_t chord_host_buf_bytes(const chord_buf *b) { return b->bytes; }

static chord_status ref_upload(void *ctx, chord_buf *dst, size_t off, const void *src, size_t bytes)
{
    (void)ctx;
    memcpy(dst->data + off, src, bytes);
    return CHORD_OK;
}

static chord_status ref_download(void *ctx, const chord_buf *src, size_t off, void *dst, size_t bytes)
{
    (void)ctx;
    memcpy(dst, src->data + off, bytes);
    return CHORD_OK;
}

static chord_status ref_copy(void *ctx, chord_buf *dst, size_t doff, const chord_buf *src, size_t soff, size_t bytes)
{
    (void)ctx;
    memmove(dst->data + doff, src->data + soff, bytes);
    return CHORD_OK;
}

chord_status chord_host_sync(void *ctx)
{
    (void)ctx;
    return CHORD_OK;
}

chord_status chord_host_timer_start(void *ctx)
{
    clock_gettime(CLOCK_MONOTONIC, (struct timespec *)ctx);
    return CHORD_OK;
}

chord_status chord_host_timer_stop(void *ctx, double *ms)
{
    struct timespec t1, *t0 = ctx;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *ms = (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) * 1e-6;
    return CHORD_OK;
}

const chord_backend chord_backend_ref = {CHORD_HOST_BACKEND_FIELDS(ref, "ref", CHORD_REGISTER_REF)};
