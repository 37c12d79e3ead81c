/* The CUDA backend: device memory from cudaMalloc, one stream per context that every copy and
 * launch goes to (so they run in issue order), cudaEvents on that stream for the timer.
 * Plain C over cuda_runtime_api.h: devices, memory and timers only; the kernels and their launchers are in
 * kernels/<op>/cuda.cu (kernels/common/cuda_launch.h). Every runtime call goes through
 * CHORD_CUDA_CHECK, which records the call text, file, line and CUDA's error; nothing here exits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "common/cuda_launch.h"

typedef struct cuda_ctx {
    int device;
    cudaStream_t stream;
    cudaEvent_t t0, t1;
} cuda_ctx;

/* A failed call can leave a (non-sticky) error behind; clear it so the next launch check does not
 * report it as its own. No driver at all (the runtime says cudaErrorInsufficientDriver and the driver version is 0)
 * and no device are the ordinary absences (CHORD_ERR_UNAVAILABLE, one short line); a driver older than the runtime
 * or any other error is a failure worth reading. */
static chord_status no_device(cudaError_t e, const char *what)
{
    (void)cudaGetLastError();
    int driver = 0, runtime = 0;
    (void)cudaDriverGetVersion(&driver);
    (void)cudaRuntimeGetVersion(&runtime);
    (void)cudaGetLastError();
    if (e == cudaErrorInsufficientDriver && driver == 0)
        return chord_fail(CHORD_ERR_UNAVAILABLE, "no CUDA driver (%s)", cudaGetErrorName(e));
    if (e == cudaErrorNoDevice)
        return chord_fail(CHORD_ERR_UNAVAILABLE, "no CUDA device (%s)", cudaGetErrorName(e));
    if (e == cudaErrorInsufficientDriver)
        return chord_fail(CHORD_ERR_DEVICE, "cuda: driver %d.%d is older than the runtime %d.%d (%s)", driver / 1000,
                          driver % 1000 / 10, runtime / 1000, runtime % 1000 / 10, cudaGetErrorName(e));
    return chord_fail(CHORD_ERR_DEVICE, "cuda: %s: %s (%s)", what, cudaGetErrorName(e), cudaGetErrorString(e));
}

static chord_status cuda_probe(chord_device_info *devs, int max, int *n_out)
{
    int n = 0;
    *n_out = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess)
        return no_device(e, "cudaGetDeviceCount");
    if (n == 0)
        return chord_fail(CHORD_ERR_UNAVAILABLE, "no CUDA device (cudaGetDeviceCount found none)");
    int runtime = 0, driver = 0;
    CHORD_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
    CHORD_CUDA_CHECK(cudaDriverGetVersion(&driver));
    for (int d = 0; d < n && d < max; d++) {
        struct cudaDeviceProp p;
        CHORD_CUDA_CHECK(cudaGetDeviceProperties(&p, d));
        const size_t len = strnlen(p.name, sizeof devs[d].name - 1);
        memcpy(devs[d].name, p.name, len);
        devs[d].name[len] = 0;
        devs[d].mem_bytes = devs[d].max_alloc_bytes = p.totalGlobalMem;
        snprintf(devs[d].detail, sizeof devs[d].detail,
                 "sm_%d%d, %d SMs, %.1f GiB, L2 %d MiB, %d-bit bus, runtime %d.%d, driver %d.%d", p.major, p.minor,
                 p.multiProcessorCount, (double)p.totalGlobalMem / (1 << 30), p.l2CacheSize >> 20, p.memoryBusWidth,
                 runtime / 1000, runtime % 1000 / 10, driver / 1000, driver % 1000 / 10);
    }
    *n_out = n < max ? n : max;
    return CHORD_OK;
}

static void cuda_shutdown(void *ctx)
{
    cuda_ctx *c = ctx;
    if (!c)
        return;
    /* teardown cannot report; errors here only mean the device is already gone */
    (void)cudaSetDevice(c->device);
    if (c->stream)
        (void)cudaStreamSynchronize(c->stream);
    if (c->t0)
        (void)cudaEventDestroy(c->t0);
    if (c->t1)
        (void)cudaEventDestroy(c->t1);
    if (c->stream)
        (void)cudaStreamDestroy(c->stream);
    (void)cudaGetLastError();
    free(c);
}

static chord_status init_ctx(cuda_ctx *c)
{
    CHORD_CUDA_CHECK(cudaSetDevice(c->device));
    CHORD_CUDA_CHECK(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking));
    CHORD_CUDA_CHECK(cudaEventCreate(&c->t0));
    CHORD_CUDA_CHECK(cudaEventCreate(&c->t1));
    /* Kernels that need scratch (split-K attention) take it with cudaMallocAsync on the stream; keep
     * up to 256 MiB of freed blocks in the device's pool instead of unmapping them at every sync. */
    int pools = 0;
    CHORD_CUDA_CHECK(cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, c->device));
    if (pools) { /* without pools the kernels fall back to variants that need no scratch */
        cudaMemPool_t pool;
        unsigned long long keep = 256ull << 20; /* the attribute is a 64-bit unsigned */
        CHORD_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, c->device));
        CHORD_CUDA_CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep));
    }
    return CHORD_OK;
}

static chord_status cuda_init(int device, void **ctx_out)
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess)
        return no_device(e, "cudaGetDeviceCount");
    if (device < 0 || device >= n)
        return chord_fail(CHORD_ERR_UNAVAILABLE, "cuda: device %d does not exist (%d found)", device, n);
    cuda_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return chord_fail(CHORD_ERR_NOMEM, "cuda: out of host memory");
    c->device = device;
    chord_status s = init_ctx(c);
    if (s != CHORD_OK) {
        cuda_shutdown(c);
        return s;
    }
    *ctx_out = c;
    return CHORD_OK;
}

/* The runtime's current device is per host thread: set it on every entry so a context works from
 * whichever thread calls it and two contexts on two devices do not mix. */
static chord_status use_device(const cuda_ctx *c)
{
    CHORD_CUDA_CHECK(cudaSetDevice(c->device));
    return CHORD_OK;
}

cudaStream_t chord_cuda_stream(void *ctx) { return ((const cuda_ctx *)ctx)->stream; }

/* Every launch: the context's device first. */
static chord_status cuda_run(void *ctx, chord_op op, chord_op_fn fn, const chord_tensor *t, const void *args)
{
    (void)op;
    CHORD_TRY(use_device(ctx));
    return fn(ctx, t, args);
}

static chord_status cuda_alloc(void *ctx, size_t bytes, chord_buf **out)
{
    CHORD_TRY(use_device(ctx));
    chord_buf *b = malloc(sizeof *b);
    if (!b)
        return chord_fail(CHORD_ERR_NOMEM, "cuda: out of host memory");
    b->bytes = bytes;
    b->data = NULL;
    cudaError_t e = cudaMalloc((void **)&b->data, bytes);
    if (e != cudaSuccess) {
        free(b);
        (void)cudaGetLastError();
        return chord_fail(e == cudaErrorMemoryAllocation ? CHORD_ERR_NOMEM : CHORD_ERR_DEVICE,
                          "cuda: cudaMalloc(%zu) failed at %s:%d: %s (%s)", bytes, __FILE__, __LINE__,
                          cudaGetErrorName(e), cudaGetErrorString(e));
    }
    *out = b;
    return CHORD_OK;
}

static void cuda_free(void *ctx, chord_buf *b)
{
    /* cudaFree waits for work using the memory; a failure here cannot be reported (void) */
    (void)cudaSetDevice(((cuda_ctx *)ctx)->device);
    (void)cudaFree(b->data);
    (void)cudaGetLastError();
    free(b);
}

static size_t cuda_buf_bytes(const chord_buf *b) { return b->bytes; }

/* Uploads and downloads wait for the copy: the host memory is the caller's again on return, and the
 * stream order puts them after every launch issued before. */
static chord_status cuda_upload(void *ctx, chord_buf *dst, size_t off, const void *src, size_t bytes)
{
    cuda_ctx *c = ctx;
    CHORD_TRY(use_device(c));
    CHORD_CUDA_CHECK(cudaMemcpyAsync(dst->data + off, src, bytes, cudaMemcpyHostToDevice, c->stream));
    CHORD_CUDA_CHECK(cudaStreamSynchronize(c->stream));
    return CHORD_OK;
}

static chord_status cuda_download(void *ctx, const chord_buf *src, size_t off, void *dst, size_t bytes)
{
    cuda_ctx *c = ctx;
    CHORD_TRY(use_device(c));
    CHORD_CUDA_CHECK(cudaMemcpyAsync(dst, src->data + off, bytes, cudaMemcpyDeviceToHost, c->stream));
    CHORD_CUDA_CHECK(cudaStreamSynchronize(c->stream));
    return CHORD_OK;
}

/* Device-to-device, asynchronous like a launch. Overlapping ranges (memmove semantics, as the ref
 * backend has) are undefined for cudaMemcpy, so they go through a scratch buffer. */
static chord_status cuda_copy(void *ctx, chord_buf *dst, size_t doff, const chord_buf *src, size_t soff, size_t bytes)
{
    cuda_ctx *c = ctx;
    CHORD_TRY(use_device(c));
    if (dst == src && doff < soff + bytes && soff < doff + bytes) {
        if (doff == soff)
            return CHORD_OK;
        void *tmp = NULL;
        CHORD_CUDA_CHECK(cudaMalloc(&tmp, bytes));
        cudaError_t e = cudaMemcpyAsync(tmp, src->data + soff, bytes, cudaMemcpyDeviceToDevice, c->stream);
        if (e == cudaSuccess)
            e = cudaMemcpyAsync(dst->data + doff, tmp, bytes, cudaMemcpyDeviceToDevice, c->stream);
        if (e == cudaSuccess)
            e = cudaStreamSynchronize(c->stream);
        (void)cudaFree(tmp);
        CHORD_CUDA_CHECK(e);
        return CHORD_OK;
    }
    CHORD_CUDA_CHECK(cudaMemcpyAsync(dst->data + doff, src->data + soff, bytes, cudaMemcpyDeviceToDevice, c->stream));
    return CHORD_OK;
}

static chord_status cuda_sync(void *ctx)
{
    cuda_ctx *c = ctx;
    CHORD_TRY(use_device(c));
    CHORD_CUDA_CHECK(cudaStreamSynchronize(c->stream));
    return CHORD_OK;
}

/* 50 us covers the host's enqueue of one launch many times over; see runtime/cuda_hold.cu */
#define CUDA_TIMER_HOLD_US 50

static chord_status cuda_timer_start(void *ctx)
{
    cuda_ctx *c = ctx;
    CHORD_TRY(use_device(c));
    CHORD_TRY(chord_cuda_hold(c->stream, CUDA_TIMER_HOLD_US));
    CHORD_CUDA_CHECK(cudaEventRecord(c->t0, c->stream));
    return CHORD_OK;
}

static chord_status cuda_timer_stop(void *ctx, double *ms)
{
    cuda_ctx *c = ctx;
    float f = 0.0f;
    CHORD_TRY(use_device(c));
    CHORD_CUDA_CHECK(cudaEventRecord(c->t1, c->stream));
    CHORD_CUDA_CHECK(cudaEventSynchronize(c->t1));
    CHORD_CUDA_CHECK(cudaEventElapsedTime(&f, c->t0, c->t1));
    *ms = f;
    return CHORD_OK;
}

const chord_backend chord_backend_cuda = {CHORD_BACKEND_FIELDS(cuda, "cuda", CHORD_REGISTER_CUDA), .run = cuda_run};
