/* Host memory-read bandwidth: threads sum disjoint slices of one large buffer (see host_read.h). */
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

/* One pass: every thread sums its slice; returns the wall time, or a negative value when a thread did not start. */
static double read_pass(read_slice *slices, pthread_t *tid, int threads)
{
    const double t0 = now_s();
    int started = 0;
    for (; started < threads; started++)
        if (pthread_create(&tid[started], NULL, sum_slice, &slices[started]))
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
            const double dt = read_pass(slices, tid, threads);
            if (dt <= 0)
                s = chord_fail(CHORD_ERR_UNAVAILABLE, "host read: could not start %d threads", threads);
            else if (r >= 0)
                t[r] = dt;
        }
    }
    if (s == CHORD_OK) {
        qsort(t, (size_t)reps, sizeof *t, cmp_double);
        const double med = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
        *gbps = (double)(n * sizeof *words) / med / 1e9;
    }
    free(words);
    free(slices);
    free(tid);
    return s;
}
