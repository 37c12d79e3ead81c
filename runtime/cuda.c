/* The CUDA backend: device memory from cudaMalloc, one stream per context that every copy and
 * launch goes to (so they run in issue order), cudaEvents on that stream for the timer.
 * Plain C over cuda_runtime_api.h: devices, memory, timers, the launchers' scratch, decode-step graphs and the
 * greedy argmax; the kernels and their launchers are in kernels/<op>/cuda.cu (kernels/common/cuda_launch.h).
 * Every runtime call goes through CHORD_CUDA_CHECK, which records the call text, file, line and CUDA's error;
 * nothing here exits.
 *
 * Decode steps as graphs (step_begin/step_end): the launches of one step are captured from the stream into
 * graphs of CHORD_CUDA_GRAPH_CHUNK launches each (0: the whole step in one graph), and each graph, as soon as it
 * is complete, updates the executable graph of its place in the step (cudaGraphExecUpdate: the next step has the
 * same kernels with other positions and pointers) and is launched. Chunks let the GPU start on the first layers
 * while the host still captures the last, as direct launches do, and still run each chunk's kernels back to back.
 * CHORD_CUDA_GRAPH=0 launches directly; CHORD_CUDA_STEP_STATS=1 prints at shutdown how long the host took per step.
 * H200 (results/nvidia-h200/2026-12-02-35fece2e616a), tg128 tok/s direct -> chunks of 32: llama-1b q4_0 773-801 ->
 * 880-925, smollm2-135m q4_1 434-478 -> 598-632, llama2-7b q4_0 299 -> 333. One graph for the whole step (chunk 0)
 * lost on the 1B (647): the device waits for the whole capture before it starts. Chunks of 8-32 were within the
 * spread of each other; 4 was 5-10% slower.
 * Captured launches take programmatic dependent launch (CHORD_CUDA_PDL, kernels/common/cuda_common.cuh): each kernel
 * is placed while its predecessor runs, and the mat-vecs load their first weights before they wait for X.
 * Predicted +10% (7B) to +25% (SmolLM2) from the gaps; measured (H200, chord bench-model tg128 --argmax, PDL 0 / 1
 * alternated twice, synthetic files): llama2-7b q4_0 342.2, 341.9 / 358.2, 354.3; llama-1b q4_0 902.4, 905.9 /
 * 987.5, 995.5; smollm2-135m q4_1 694.4, 684.4 / 733.2, 708.3 (+4%, +10%, +5%): the gaps were a smaller part of the
 * step than the kernels' own time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "common/cuda_launch.h"

typedef struct cuda_ctx {
    int device;
    cudaStream_t stream;
    cudaEvent_t t0, t1;
    void *scratch; /* chord_cuda_scratch: one buffer for the launchers' temporaries (attention's partials) */
    size_t scratch_bytes;
    void *zeroed; /* chord_cuda_zeroed: counters its users leave at zero (the stream-K mat-vec's arrivals) */
    size_t zeroed_bytes;
    int *argmax; /* (CHORD_CUDA_ARGMAX_WORDS) device: the argmax, the first NaN's index, then the launch's partials */
    /* decode-step graphs */
    int graph_on, chunk;       /* CHORD_CUDA_GRAPH, CHORD_CUDA_GRAPH_CHUNK (read at init) */
    int capturing, n_in_chunk; /* launches in the chunk being captured */
    int chunk_i;               /* its place in the step */
    cudaGraphExec_t *execs;    /* (n_execs) one per place, updated every step */
    int n_execs;
    /* CHORD_CUDA_STEP_STATS=1: the host's share of the decode steps, printed at shutdown (does the host's capture
     * keep up with the device?) */
    int stats;
    long steps, step_launches;
    double step_t0, step_host_s, graph_host_s; /* per step from begin to end; of that, update, instantiate, launch */
} cuda_ctx;

static double host_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

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
    if (c->stats && c->steps > 0)
        fprintf(stderr,
                "cuda: %ld decode steps, %.1f launches each; host %.1f us per step from capture to graph launch, "
                "%.1f us of it updating and launching the graphs\n",
                c->steps, (double)c->step_launches / (double)c->steps, 1e6 * c->step_host_s / (double)c->steps,
                1e6 * c->graph_host_s / (double)c->steps);
    /* teardown cannot report; errors here only mean the device is already gone */
    (void)cudaSetDevice(c->device);
    if (c->stream && c->capturing) {
        cudaGraph_t g = NULL;
        if (cudaStreamEndCapture(c->stream, &g) == cudaSuccess && g)
            (void)cudaGraphDestroy(g);
    }
    if (c->stream)
        (void)cudaStreamSynchronize(c->stream);
    for (int i = 0; i < c->n_execs; i++)
        if (c->execs[i])
            (void)cudaGraphExecDestroy(c->execs[i]);
    free(c->execs);
    if (c->scratch)
        (void)cudaFree(c->scratch);
    if (c->zeroed)
        (void)cudaFree(c->zeroed);
    if (c->argmax)
        (void)cudaFree(c->argmax);
    if (c->t0)
        (void)cudaEventDestroy(c->t0);
    if (c->t1)
        (void)cudaEventDestroy(c->t1);
    if (c->stream)
        (void)cudaStreamDestroy(c->stream);
    (void)cudaGetLastError();
    free(c);
}

/* Programmatic dependent launch inside decode-step graphs (kernels/common/cuda_common.cuh, chord_cu_launch): on
 * unless CHORD_CUDA_PDL=0, and only where every device initialized so far has compute capability 9.0 or more. */
static int pdl_allowed = -1;

int chord_cuda_pdl_allowed(void) { return pdl_allowed > 0; }

static chord_status init_pdl(int device)
{
    int major = 0;
    CHORD_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
    const char *e = getenv("CHORD_CUDA_PDL");
    const int on = !(e && !strcmp(e, "0")) && major >= 9;
    pdl_allowed = pdl_allowed < 0 ? on : pdl_allowed && on;
    return CHORD_OK;
}

/* Launches per captured graph: see the header; the measured best on the H200 (results/nvidia-h200/) */
#define CUDA_GRAPH_CHUNK 32

static chord_status init_ctx(cuda_ctx *c)
{
    CHORD_CUDA_CHECK(cudaSetDevice(c->device));
    CHORD_CUDA_CHECK(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking));
    CHORD_CUDA_CHECK(cudaEventCreate(&c->t0));
    CHORD_CUDA_CHECK(cudaEventCreate(&c->t1));
    CHORD_CUDA_CHECK(cudaMalloc((void **)&c->argmax, CHORD_CUDA_ARGMAX_WORDS * sizeof(int)));
    CHORD_CUDA_CHECK(cudaMemset(c->argmax, 0, CHORD_CUDA_ARGMAX_WORDS * sizeof(int)));
    const char *g = getenv("CHORD_CUDA_GRAPH"), *k = getenv("CHORD_CUDA_GRAPH_CHUNK");
    c->graph_on = !(g && !strcmp(g, "0"));
    const char *st = getenv("CHORD_CUDA_STEP_STATS");
    c->stats = st && !strcmp(st, "1");
    c->chunk = k ? atoi(k) : CUDA_GRAPH_CHUNK;
    c->chunk = c->chunk < 0 ? 0 : c->chunk;
    return init_pdl(c->device);
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

/* One buffer of at least bytes, valid until the next call (the stream runs its users in order). It grows only
 * outside a capture: a graph being captured holds the old address, so there the call fails, and the step is run
 * again without a graph (forward.c). Rounded up to 4 MiB, which covers any decode step's attention. */
chord_status chord_cuda_scratch(void *ctx, size_t bytes, void **out)
{
    cuda_ctx *c = ctx;
    if (bytes > c->scratch_bytes) {
        if (c->capturing)
            return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda: scratch of %zu bytes (have %zu) while capturing a graph",
                              bytes, c->scratch_bytes);
        const size_t want = (bytes + (4u << 20) - 1) / (4u << 20) * (4u << 20);
        if (c->scratch) { /* cudaFree waits for the kernels still reading it */
            CHORD_CUDA_CHECK(cudaFree(c->scratch));
            c->scratch = NULL;
            c->scratch_bytes = 0;
        }
        CHORD_CUDA_CHECK(cudaMalloc(&c->scratch, want));
        c->scratch_bytes = want;
    }
    *out = c->scratch;
    return CHORD_OK;
}

/* As chord_cuda_scratch, but zero when it is (re)allocated, and every user leaves it zero when its kernels end. */
chord_status chord_cuda_zeroed(void *ctx, size_t bytes, void **out)
{
    cuda_ctx *c = ctx;
    if (bytes > c->zeroed_bytes) {
        if (c->capturing)
            return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda: %zu zeroed bytes (have %zu) while capturing a graph", bytes,
                              c->zeroed_bytes);
        const size_t want = (bytes + (64u << 10) - 1) / (64u << 10) * (64u << 10);
        if (c->zeroed) {
            CHORD_CUDA_CHECK(cudaFree(c->zeroed));
            c->zeroed = NULL;
            c->zeroed_bytes = 0;
        }
        CHORD_CUDA_CHECK(cudaMalloc(&c->zeroed, want));
        CHORD_CUDA_CHECK(cudaMemsetAsync(c->zeroed, 0, want, c->stream));
        c->zeroed_bytes = want;
    }
    *out = c->zeroed;
    return CHORD_OK;
}

/* The captured graph g (consumed) as the executable graph of place i: updated in place when the kernels match
 * the last step's, else instantiated anew; then launched on the stream. */
static chord_status run_graph_untimed(cuda_ctx *c, int i, cudaGraph_t g)
{
    size_t nodes = 0;
    cudaError_t e = cudaGraphGetNodes(g, NULL, &nodes);
    if (e == cudaSuccess && nodes == 0) {
        (void)cudaGraphDestroy(g);
        return CHORD_OK;
    }
    if (e == cudaSuccess && i >= c->n_execs) {
        const int n = i + 16;
        cudaGraphExec_t *x = realloc(c->execs, (size_t)n * sizeof *x);
        if (!x) {
            (void)cudaGraphDestroy(g);
            return chord_fail(CHORD_ERR_NOMEM, "cuda: out of host memory for graphs");
        }
        for (int j = c->n_execs; j < n; j++)
            x[j] = NULL;
        c->execs = x;
        c->n_execs = n;
    }
    if (e == cudaSuccess && c->execs[i]) {
        cudaGraphExecUpdateResultInfo info;
        if (cudaGraphExecUpdate(c->execs[i], g, &info) != cudaSuccess) { /* another topology: instantiate */
            (void)cudaGetLastError();
            (void)cudaGraphExecDestroy(c->execs[i]);
            c->execs[i] = NULL;
        }
    }
    if (e == cudaSuccess && !c->execs[i])
        e = cudaGraphInstantiate(&c->execs[i], g, 0);
    if (e == cudaSuccess)
        e = cudaGraphLaunch(c->execs[i], c->stream);
    (void)cudaGraphDestroy(g);
    CHORD_CUDA_CHECK(e);
    return CHORD_OK;
}

static chord_status run_graph(cuda_ctx *c, int i, cudaGraph_t g)
{
    const double t0 = c->stats ? host_seconds() : 0.0;
    const chord_status s = run_graph_untimed(c, i, g);
    if (c->stats)
        c->graph_host_s += host_seconds() - t0;
    return s;
}

/* Ends the capture in progress (c->capturing): with run, its graph runs as place c->chunk_i. */
static chord_status end_capture(cuda_ctx *c, int run)
{
    cudaGraph_t g = NULL;
    c->capturing = 0;
    const cudaError_t e = cudaStreamEndCapture(c->stream, &g);
    if (e != cudaSuccess || !run) { /* an invalidated capture (a failed launch inside it) ends here too */
        (void)cudaGetLastError();
        if (g)
            (void)cudaGraphDestroy(g);
        return run ? chord_fail(CHORD_ERR_DEVICE, "cuda: cudaStreamEndCapture: %s (%s)", cudaGetErrorName(e),
                                cudaGetErrorString(e))
                   : CHORD_OK;
    }
    return run_graph(c, c->chunk_i++, g);
}

static chord_status begin_capture(cuda_ctx *c)
{
    CHORD_CUDA_CHECK(cudaStreamBeginCapture(c->stream, cudaStreamCaptureModeRelaxed));
    c->capturing = 1;
    c->n_in_chunk = 0;
    return CHORD_OK;
}

static int cuda_step_begin(void *ctx)
{
    cuda_ctx *c = ctx;
    if (!c->graph_on || c->capturing || use_device(c) != CHORD_OK)
        return 0;
    c->chunk_i = 0;
    if (c->stats)
        c->step_t0 = host_seconds();
    if (begin_capture(c) != CHORD_OK) {
        (void)cudaGetLastError();
        return 0;
    }
    return 1;
}

static chord_status cuda_step_end(void *ctx, int run)
{
    cuda_ctx *c = ctx;
    CHORD_TRY(use_device(c));
    if (!c->capturing)
        return CHORD_OK;
    const chord_status s = end_capture(c, run);
    if (c->stats && run && s == CHORD_OK) {
        c->steps++;
        c->step_host_s += host_seconds() - c->step_t0;
    }
    return s;
}

/* Every launch: the context's device first; while a step is captured, every chunk's worth of launches goes on
 * as one graph. */
static chord_status cuda_run(void *ctx, chord_op op, chord_op_fn fn, const chord_tensor *t, const void *args)
{
    cuda_ctx *c = ctx;
    (void)op;
    CHORD_TRY(use_device(c));
    CHORD_TRY(fn(ctx, t, args));
    c->step_launches += c->capturing;
    if (c->capturing && c->chunk > 0 && ++c->n_in_chunk >= c->chunk) {
        CHORD_TRY(end_capture(c, 1));
        CHORD_TRY(begin_capture(c));
    }
    return CHORD_OK;
}

static chord_status cuda_argmax(void *ctx, const chord_buf *b, size_t off, int64_t n, int32_t out[2])
{
    cuda_ctx *c = ctx;
    int host[2];
    CHORD_TRY(use_device(c));
    CHORD_TRY(chord_cuda_argmax_launch(c->stream, (const float *)(b->data + off), (int)n, c->argmax));
    CHORD_CUDA_CHECK(cudaMemcpyAsync(host, c->argmax, sizeof host, cudaMemcpyDeviceToHost, c->stream));
    CHORD_CUDA_CHECK(cudaStreamSynchronize(c->stream));
    out[0] = host[0];
    out[1] = host[1];
    return CHORD_OK;
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

const chord_backend chord_backend_cuda = {CHORD_BACKEND_FIELDS(cuda, "cuda", CHORD_REGISTER_CUDA), .run = cuda_run,
                                          .step_begin = cuda_step_begin, .step_end = cuda_step_end,
                                          .argmax = cuda_argmax};
