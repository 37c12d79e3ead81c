/* The host's ceilings (see host_read.h): memory-read bandwidth, threads summing disjoint slices of one large buffer,
 * and the f32 FMA peak, threads running independent FMA chains in registers on the widest path the cpu backend may
 * use. */
#include "host_read.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_THREADS 1024
#define MAX_REPS 64

typedef struct read_slice {
    const uint64_t *words; /* (n) this thread's part of the buffer */
    size_t n;
    uint64_t sum; /* stored where the caller can read it, so the reads cannot be optimized away */
} read_slice;

static void *sum_slice(void *arg)
{
    read_slice *s = arg;
    /* four chains: one add per word would wait on the previous one's result instead of on memory */
    uint64_t a = 0, b = 0, c = 0, d = 0;
    size_t i = 0;
    for (; i + 4 <= s->n; i += 4) {
        a += s->words[i];
        b += s->words[i + 1];
        c += s->words[i + 2];
        d += s->words[i + 3];
    }
    for (; i < s->n; i++)
        a += s->words[i];
    s->sum = a + b + c + d;
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One pass: every thread runs fn on its own argument (args[i], each arg_size bytes); returns the wall time, or a
 * negative value when a thread did not start. */
static double run_pass(void *(*fn)(void *), void *args, size_t arg_size, pthread_t *tid, int threads)
{
    const double t0 = now_s();
    int started = 0;
    for (; started < threads; started++)
        if (pthread_create(&tid[started], NULL, fn, (char *)args + arg_size * (size_t)started))
            break;
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    return started == threads ? now_s() - t0 : -1.0;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

chord_status chord_bench_host_read(size_t bytes, int threads, int reps, double *gbps)
{
    if (threads < 1 || threads > MAX_THREADS || reps < 1 || reps > MAX_REPS || bytes < sizeof(uint64_t) * threads)
        return chord_fail(CHORD_ERR_INVALID, "host read: bad size, thread or repetition count");
    const size_t n = bytes / sizeof(uint64_t);
    uint64_t *words = malloc(n * sizeof *words); /* (n) */
    read_slice *slices = calloc((size_t)threads, sizeof *slices);
    pthread_t *tid = calloc((size_t)threads, sizeof *tid);
    chord_status s = CHORD_OK;
    if (!words || !slices || !tid)
        s = chord_fail(CHORD_ERR_NOMEM, "host read: no memory for %zu bytes", bytes);
    double t[MAX_REPS];
    if (s == CHORD_OK) {
        memset(words, 0x3c, n * sizeof *words); /* every page touched: untouched pages would read as free */
        for (int i = 0; i < threads; i++)
            slices[i] = (read_slice){words + n * i / threads, n * (i + 1) / threads - n * i / threads, 0};
        for (int r = -1; r < reps && s == CHORD_OK; r++) { /* r == -1: the untimed pass */
            const double dt = run_pass(sum_slice, slices, sizeof *slices, tid, threads);
            if (dt <= 0)
                s = chord_fail(CHORD_ERR_UNAVAILABLE, "host read: could not start %d threads", threads);
            else if (r >= 0)
                t[r] = dt;
        }
    }
    if (s == CHORD_OK) {
        *gbps = (double)(n * sizeof *words) / median_of(t, reps) / 1e9;
    }
    free(words);
    free(slices);
    free(tid);
    return s;
}

/* ---- f32 FMA peak ----
 * CHAINS independent accumulators per thread (unrolled, so they stay in registers): enough to cover an FMA's
 * latency (4-5 cycles) on two pipes, so the loop is bound by FMA throughput alone. Each path is compiled for its own
 * ISA (target attribute) and runs only after chord_cpu_isa_select() said this CPU and OS have it. */
#define CHAINS 12
#define FMA_STEPS 40000000L /* per thread and pass: ~35 ms at 218 GFLOP/s a core, against ~50 us to start it */

typedef struct fma_job {
    chord_cpu_isa isa;
    double flops; /* done by this thread in the pass */
    float sink;   /* the chains' sum, stored so the loop cannot be optimized away */
} fma_job;

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FMA_PATH(name, attr, vec, set1, fmadd, add, width, reduce)                                  \
    __attribute__((target(attr))) static float name(long steps, double *flops)                      \
    {                                                                                               \
        vec acc[CHAINS];                                                                            \
        const vec a = set1(0.999999f), b = set1(1e-7f);                                             \
        for (int c = 0; c < CHAINS; c++)                                                            \
            acc[c] = set1((float)c);                                                                \
        for (long i = 0; i < steps; i++) {                                                          \
            _Pragma("GCC unroll 12") for (int c = 0; c < CHAINS; c++) acc[c] = fmadd(acc[c], a, b); \
        }                                                                                           \
        for (int c = 1; c < CHAINS; c++)                                                            \
            acc[0] = add(acc[0], acc[c]);                                                           \
        *flops = 2.0 * width * CHAINS * (double)steps;                                              \
        return reduce(acc[0]);                                                                      \
    }
FMA_PATH(fma_avx512, "avx512f", __m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, 16, _mm512_reduce_add_ps)
__attribute__((target("avx2,fma"))) static float lane0_256(__m256 v)
{
    return _mm_cvtss_f32(_mm256_castps256_ps128(v));
}
FMA_PATH(fma_avx2, "avx2,fma", __m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, 8, lane0_256)
#endif

static float fma_portable(long steps, double *flops)
{
    float acc[CHAINS];
    for (int c = 0; c < CHAINS; c++)
        acc[c] = (float)c;
    for (long i = 0; i < steps; i++) {
#pragma GCC unroll 12 /* the chains live in registers only when the loop over them is unrolled */
        for (int c = 0; c < CHAINS; c++)
            acc[c] = acc[c] * 0.999999f + 1e-7f;
    } /* what the portable kernels compile to */
    *flops = 2.0 * CHAINS * (double)steps;
    return acc[0] + acc[CHAINS - 1];
}

static void *fma_thread(void *arg)
{
    fma_job *j = arg;
    switch (j->isa) {
#if defined(__x86_64__) && defined(__GNUC__)
    case CHORD_CPU_AVX512: j->sink = fma_avx512(FMA_STEPS / 2, &j->flops); break;
    case CHORD_CPU_AVX2: j->sink = fma_avx2(FMA_STEPS, &j->flops); break;
#endif
    default: j->sink = fma_portable(FMA_STEPS / 8, &j->flops); break;
    }
    return NULL;
}

chord_status chord_bench_host_fma(int threads, int reps, double *gflops, chord_cpu_isa *isa)
{
    if (threads < 1 || threads > MAX_THREADS || reps < 1 || reps > MAX_REPS)
        return chord_fail(CHORD_ERR_INVALID, "host FMA peak: bad thread or repetition count");
    chord_status s = chord_cpu_isa_select(isa);
    fma_job *jobs = s == CHORD_OK ? calloc((size_t)threads, sizeof *jobs) : NULL;
    pthread_t *tid = s == CHORD_OK ? calloc((size_t)threads, sizeof *tid) : NULL;
    if (s == CHORD_OK && (!jobs || !tid))
        s = chord_fail(CHORD_ERR_NOMEM, "host FMA peak: no memory for %d threads", threads);
    double t[MAX_REPS], flops = 0;
    for (int r = -1; r < reps && s == CHORD_OK; r++) { /* r == -1: the untimed pass (clocks ramp up) */
        for (int i = 0; i < threads; i++)
            jobs[i] = (fma_job){*isa, 0, 0};
        const double dt = run_pass(fma_thread, jobs, sizeof *jobs, tid, threads);
        if (dt <= 0)
            s = chord_fail(CHORD_ERR_UNAVAILABLE, "host FMA peak: could not start %d threads", threads);
        else if (r >= 0)
            t[r] = dt;
        flops = 0;
        for (int i = 0; i < threads && s == CHORD_OK; i++)
            flops += jobs[i].flops;
    }
    if (s == CHORD_OK)
        *gflops = flops / median_of(t, reps) / 1e9;
    free(jobs);
    free(tid);
    return s;
}
