/* chord-bench: every op x large case x compiled backend, timed on the device, next to ceilings measured in
 * the same process: the backend's own buffer copy (bandwidth), the host CPU's memory read (host/read/1GiB: the
 * CPU backends' decode ceiling) and, where CUDA runs, cuBLAS SGEMM (FLOP/s).
 *
 *   chord-bench [-t N] [Google Benchmark's flags: --benchmark_filter=REGEX, --benchmark_format=json, ...]
 * -t/--threads N sets the threads of the CPU backends (the reference's, PoCL's, lavapipe's) and of host/read, as
 * chord's -t does; without it they take CHORD_REF_THREADS (host/read and the reference) or their own default. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "matmul/matmul.h"
#include "commands.h"
#include "common/ref_launch.h"
#include "gbench.h"
#include "host_read.h"

#ifdef CHORD_HAVE_CUDA
#include "yardstick.h"
#endif

#define MAX_SAMPLES 4096
#define ROTATE_BYTES (256u << 20) /* inputs rotate over copies this large in all: twice an H100's L2, and more */
#define COPY_BYTES (256u << 20)
#define SMALL_COPY_BYTES (32u << 20) /* 64 MiB moved, as the 64 MiB op cases */
#define HOST_READ_BYTES (1ull << 30) /* far past any CPU's last-level cache */

typedef struct bench_backend {
    chord_rt rt;
    int open;
    double copy_gbps;       /* 0 until measured */
    double copy_small_gbps; /* the same at SMALL_COPY_BYTES: what a ~30 us kernel's ramp and tail cost a copy */
} bench_backend;

typedef struct bench_item {
    bench_backend *bb;
    const chord_case *c;
    int case_index;
} bench_item;

static bench_backend backends[8];

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Device-to-device copy bandwidth (bytes read + written), median of 20 after warm-up. */
static chord_status measure_copy_of(bench_backend *bb, size_t bytes, double *gbps_out)
{
    if (*gbps_out > 0)
        return CHORD_OK;
    chord_rt *rt = &bb->rt;
    chord_buf *a = NULL, *b = NULL;
    double ms[20];
    chord_status s = chord_alloc(rt, bytes, &a);
    if (s == CHORD_OK)
        s = chord_alloc(rt, bytes, &b);
    void *fill = s == CHORD_OK ? malloc(bytes) : NULL;
    if (fill) { /* touch both buffers first: untouched host pages would make the copy look free */
        memset(fill, 0x3c, bytes);
        s = chord_upload(rt, a, 0, fill, bytes);
        if (s == CHORD_OK)
            s = chord_upload(rt, b, 0, fill, bytes);
        free(fill);
    }
    for (int i = 0; s == CHORD_OK && i < 23; i++) {
        if ((s = rt->be->timer_start(rt->ctx)) != CHORD_OK)
            break;
        if ((s = chord_copy(rt, b, 0, a, 0, bytes)) != CHORD_OK)
            break;
        double t;
        if ((s = rt->be->timer_stop(rt->ctx, &t)) != CHORD_OK)
            break;
        if (i >= 3)
            ms[i - 3] = t;
    }
    if (s == CHORD_OK)
        *gbps_out = 2.0 * bytes / (median(ms, 20) * 1e-3) / 1e9;
    chord_free(rt, a);
    chord_free(rt, b);
    return s;
}

static chord_status measure_copy(bench_backend *bb) { return measure_copy_of(bb, COPY_BYTES, &bb->copy_gbps); }

/* Not a ceiling: the same copy at 64 MiB moved shows how much of an op's shortfall at that size is the size. */
static void bench_copy_small(chord_bench_state *st, void *user)
{
    bench_backend *bb = user;
    if (measure_copy(bb) != CHORD_OK || measure_copy_of(bb, SMALL_COPY_BYTES, &bb->copy_small_gbps) != CHORD_OK) {
        chord_bench_error(st, chord_last_error());
        return;
    }
    while (chord_bench_keep_running(st))
        chord_bench_set_iteration_time(st, 2.0 * SMALL_COPY_BYTES / (bb->copy_small_gbps * 1e9));
    chord_bench_counter(st, "GB/s", bb->copy_small_gbps);
    chord_bench_counter(st, "copy_GB/s", bb->copy_gbps);
    chord_bench_counter(st, "pct_of_copy", 100.0 * bb->copy_small_gbps / bb->copy_gbps);
}

static void bench_copy(chord_bench_state *st, void *user)
{
    bench_backend *bb = user;
    if (measure_copy(bb) != CHORD_OK) {
        chord_bench_error(st, chord_last_error());
        return;
    }
    while (chord_bench_keep_running(st))
        chord_bench_set_iteration_time(st, 2.0 * COPY_BYTES / (bb->copy_gbps * 1e9));
    chord_bench_counter(st, "GB/s", bb->copy_gbps);
}

/* The host's read ceiling, over as many threads as the reference backend uses (CHORD_REF_THREADS, else the cores). */
static void bench_host_read(chord_bench_state *st, void *user)
{
    (void)user;
    double gbps = 0;
    const int threads = chord_ref_threads();
    if (chord_bench_host_read(HOST_READ_BYTES, threads, 10, &gbps) != CHORD_OK) {
        chord_bench_error(st, chord_last_error());
        return;
    }
    while (chord_bench_keep_running(st))
        chord_bench_set_iteration_time(st, HOST_READ_BYTES / (gbps * 1e9));
    chord_bench_counter(st, "GB/s", gbps);
    chord_bench_counter(st, "threads", threads);
}

/* The host's f32 FMA peak over the cpu backend's threads, measured once (first use) and shared by host/fma and the
 * cpu GEMM rows' pct_of_fma_peak; 0 where it could not be measured. */
static double host_fma_gflops(chord_cpu_isa *isa)
{
    static double gflops = -1;
    static chord_cpu_isa path = CHORD_CPU_PORTABLE;
    if (gflops < 0 && chord_bench_host_fma(chord_ref_threads(), 5, &gflops, &path) != CHORD_OK)
        gflops = 0;
    if (isa)
        *isa = path;
    return gflops;
}

static void bench_host_fma(chord_bench_state *st, void *user)
{
    (void)user;
    chord_cpu_isa isa;
    const double gflops = host_fma_gflops(&isa);
    if (gflops <= 0) {
        chord_bench_error(st, chord_last_error());
        return;
    }
    while (chord_bench_keep_running(st))
        chord_bench_set_iteration_time(st, 1e-3);
    chord_bench_counter(st, "GFLOP/s", gflops);
    chord_bench_counter(st, "threads", chord_ref_threads());
    chord_bench_counter(st, "isa_avx512", isa == CHORD_CPU_AVX512);
    chord_bench_counter(st, "isa_avx2", isa == CHORD_CPU_AVX2);
}

/* Takes -t/--threads N out of argv (Google Benchmark refuses flags it does not know); 0, or 2 on a bad value. */
static int take_threads(int *argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "-t") && strcmp(argv[i], "--threads")) {
            argv[out++] = argv[i];
            continue;
        }
        if (i + 1 == *argc) {
            fprintf(stderr, "chord-bench: %s needs a thread count, 1..%d\n", argv[i], CLI_MAX_THREADS);
            return 2;
        }
        if (cli_set_threads("bench", argv[++i])) /* it says what is wrong */
            return 2;
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

static void bench_case(chord_bench_state *st, void *user)
{
    bench_item *it = user;
    chord_rt *rt = &it->bb->rt;
    const chord_case *c = it->c;
    /* inputs rotate through copies (larger than L2 together); outputs (from tensor out on) are written in place */
    int nt = chord_op_n_tensors(c->op), out = nt - chord_op_n_outputs(c->op);
    size_t in_bytes = 0;
    for (int i = 0; i < out; i++)
        in_bytes += chord_case_tensor_bytes(c, i);
    int copies = (int)((ROTATE_BYTES + in_bytes - 1) / in_bytes);
    if (copies > 16)
        copies = 16;
    if (copies < 1)
        copies = 1;
    chord_buf *bufs[16][CHORD_MAX_TENSORS] = {{0}};
    double *samples = malloc(MAX_SAMPLES * sizeof *samples);
    chord_status s = measure_copy(it->bb);
    for (int i = 0; s == CHORD_OK && i < nt; i++) {
        size_t bytes = chord_case_tensor_bytes(c, i);
        void *host = malloc(bytes);
        if (!host) {
            s = chord_fail(CHORD_ERR_NOMEM, "bench: no host memory");
            break;
        }
        if (i < out)
            chord_case_fill(c, i, host, chord_case_seed(1, it->case_index));
        else
            memset(host, 0, bytes);
        for (int k = 0; s == CHORD_OK && k < (i >= out ? 1 : copies); k++)
            if ((s = chord_alloc(rt, bytes, &bufs[k][i])) == CHORD_OK)
                s = chord_upload(rt, bufs[k][i], 0, host, bytes);
        free(host);
    }
    int n = 0;
    for (int iter = 0; s == CHORD_OK && chord_bench_keep_running(st); iter++) {
        chord_tensor t[CHORD_MAX_TENSORS];
        int k = iter % copies;
        for (int i = 0; i < nt; i++)
            t[i] = (chord_tensor){i >= out ? bufs[0][i] : bufs[k][i], 0};
        if (iter == 0) { /* warm-up: first launches build pipelines and touch memory */
            for (int w = 0; w < 3 && s == CHORD_OK; w++)
                s = chord_launch(rt, c->op, t, c->args);
            if (s == CHORD_OK)
                s = chord_sync(rt);
        }
        double ms = 0;
        if (s == CHORD_OK)
            s = rt->be->timer_start(rt->ctx);
        if (s == CHORD_OK)
            s = chord_launch(rt, c->op, t, c->args);
        if (s == CHORD_OK)
            s = rt->be->timer_stop(rt->ctx, &ms);
        if (s != CHORD_OK)
            break;
        chord_bench_set_iteration_time(st, ms * 1e-3);
        if (n < MAX_SAMPLES)
            samples[n++] = ms;
    }
    if (s != CHORD_OK) {
        chord_bench_error(st, chord_last_error());
    } else if (n > 0) {
        double med = median(samples, n) * 1e-3;
        double gbps = chord_case_bytes(c) / med / 1e9;
        chord_bench_counter(st, "median_ms", med * 1e3);
        chord_bench_counter(st, "samples", n);
        chord_bench_counter(st, "GB/s", gbps);
        chord_bench_counter(st, "copy_GB/s", it->bb->copy_gbps);
        chord_bench_counter(st, "pct_of_copy", 100.0 * gbps / it->bb->copy_gbps);
        double flops = chord_case_flops(c);
        if (flops > 0)
            chord_bench_counter(st, "GFLOP/s", flops / med / 1e9);
        /* the cpu backend's GEMMs (m > 1: compute-bound) against the host's FMA peak of the same run */
        const chord_matmul_args *mm = c->args; /* read only for the matmul ops */
        if (flops > 0 && !strcmp(it->bb->rt.be->name, "cpu") &&
            (c->op == CHORD_OP_MATMUL || c->op == CHORD_OP_MATMUL_TILED) && mm->m > 1 && host_fma_gflops(NULL) > 0) {
            chord_bench_counter(st, "fma_peak_GFLOP/s", host_fma_gflops(NULL));
            chord_bench_counter(st, "pct_of_fma_peak", 100.0 * flops / med / 1e9 / host_fma_gflops(NULL));
        }
#ifdef CHORD_HAVE_CUDA
        double cublas_tflops = 0;
        if ((c->op == CHORD_OP_MATMUL || c->op == CHORD_OP_MATMUL_TILED) && mm->wtype == CHORD_TYPE_F32 && mm->m > 1 &&
            chord_cuda_sgemm_cublas(mm->m, mm->n, mm->k, &cublas_tflops) == CHORD_OK) {
            chord_bench_counter(st, "cublas_GFLOP/s", cublas_tflops * 1e3);
            chord_bench_counter(st, "pct_of_cublas", 100.0 * flops / med / 1e12 / cublas_tflops);
        }
        /* the tensor-core GEMM on the split layouts (m >= 16) next to cuBLAS's bf16 GEMM of the same shape; chord
         * forms 3 exact bf16 products per multiply-add (kernels/matmul/cuda_gemm_tc.cuh), cuBLAS one rounded one */
        if (c->op == CHORD_OP_MATMUL && chord_type_info(mm->wtype)->internal /* the split layouts */ && mm->m >= 16 &&
            !strcmp(it->bb->rt.be->name, "cuda") &&
            chord_cuda_gemm_bf16_cublas(mm->m, mm->n, mm->k, &cublas_tflops) == CHORD_OK) {
            chord_bench_counter(st, "cublas_bf16_GFLOP/s", cublas_tflops * 1e3);
            chord_bench_counter(st, "pct_of_cublas_bf16", 100.0 * flops / med / 1e12 / cublas_tflops);
        }
#endif
    }
    for (int k = 0; k < 16; k++)
        for (int i = 0; i < nt; i++)
            if (bufs[k][i])
                chord_free(rt, bufs[k][i]);
    free(samples);
}

static void log_line(const char *line) { fprintf(stderr, "chord-bench: %s\n", line); }

int main(int argc, char **argv)
{
    static bench_item items[1024];
    int n_items = 0;
    char name[256];
    if (take_threads(&argc, argv))
        return 2;
    chord_bench_register("host/read/1GiB", bench_host_read, NULL, 0);
    chord_bench_register("host/fma", bench_host_fma, NULL, 0);
    chord_bench_context("chord_note", "Debian's libbenchmark is a debug build; chord times every launch with "
                                      "device-side timers, so the figures are the device's, not the library's");
    for (int b = 0; b < chord_backend_count() && b < 8; b++) {
        bench_backend *bb = &backends[b];
        const chord_backend *be = chord_backend_at(b);
        if (chord_open(be->name, &bb->rt, NULL) != CHORD_OK) {
            snprintf(name, sizeof name, "backend %s not benchmarked: %s", be->name, chord_last_error());
            log_line(name);
            continue;
        }
        bb->open = 1;
        snprintf(name, sizeof name, "device.%s", be->name);
        char desc[sizeof bb->rt.info.name + sizeof bb->rt.info.detail + 4];
        snprintf(desc, sizeof desc, "%s (%s)", bb->rt.info.name, bb->rt.info.detail);
        chord_bench_context(name, desc);
        snprintf(name, sizeof name, "%s/copy/256MiB", be->name);
        chord_bench_register(name, bench_copy, bb, 0);
        snprintf(name, sizeof name, "%s/copy/32MiB", be->name);
        chord_bench_register(name, bench_copy_small, bb, 0);
        for (int i = 0; i < chord_case_count(); i++) {
            const chord_case *c = chord_case_at(i);
            if (c->size == CHORD_CASE_SMALL)
                continue;
            if ((c->size & CHORD_CASE_HUGE) && !strcmp(be->name, "ref"))
                continue; /* hours on the scalar reference */
            if (!chord_supports(&bb->rt, c->op, c->args)) {
                snprintf(name, sizeof name, "%s lacks %s %s: not benchmarked", be->name, chord_op_name(c->op), c->name);
                log_line(name);
                continue;
            }
            if (n_items == (int)(sizeof items / sizeof items[0]))
                break;
            items[n_items] = (bench_item){bb, c, i};
            char cname[128];
            snprintf(cname, sizeof cname, "%s", c->name);
            for (char *p = cname; *p; p++)
                if (*p == ' ' || *p == '/')
                    *p = *p == ' ' ? '_' : '-';
            snprintf(name, sizeof name, "%s/%s/%s", be->name, chord_op_name(c->op), cname);
            chord_bench_register(name, bench_case, &items[n_items++], 0);
        }
    }
    int rc = chord_bench_main(argc, argv);
    for (int b = 0; b < 8; b++)
        if (backends[b].open)
            chord_close(&backends[b].rt);
    return rc;
}
