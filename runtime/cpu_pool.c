/* cpu_pool.h: pthreads, one mutex and two condition variables. A job is (fn, ctx, n_tasks) and a generation
 * number; tasks are claimed with one atomic counter, so whoever is awake does the work. `active` counts the
 * threads inside the current job: the caller returns when no task is left and active is 0, and a new job is
 * posted only then, so a late worker can never run an old fn on a new job's tasks. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cpu_pool.h"

#define MAX_THREADS 256
/* Polls (each a pause instruction, ~20-60 ns) of the generation before a worker sleeps, and of `active` before the
 * caller does: ~20-50 us, so the launches of a decode step, a few microseconds apart, do not each pay a futex
 * wake-up, yet a busy machine loses little. Measured with SmolLM2 Q4_1 decode, 2 threads, load average ~8.8 on 2
 * cores: 0 polls 6.5-8.6 tok/s, 4000 polls 6.0-6.1, 40000 polls 4.5-5.7; longer spins only take CPU from the
 * thread with work. */
#define SPIN_POLLS 1000

struct chord_cpu_pool {
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    int n_threads, n_started;
    pthread_t th[MAX_THREADS];
    atomic_uint gen; /* bumped once per job */
    int stop;
    void (*fn)(void *ctx, int task);
    void *ctx;
    int n_tasks;
    atomic_int next;   /* the next unclaimed task */
    atomic_int active; /* threads inside the current job */
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static void run_tasks(chord_cpu_pool *p, void (*fn)(void *, int), void *ctx, int n_tasks)
{
    for (int t; (t = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed)) < n_tasks;)
        fn(ctx, t);
}

static void *worker(void *arg)
{
    chord_cpu_pool *p = arg;
    unsigned seen = 0;
    for (;;) {
        for (int i = 0; i < SPIN_POLLS && atomic_load_explicit(&p->gen, memory_order_acquire) == seen; i++)
            cpu_relax();
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->gen) == seen && !p->stop)
            pthread_cond_wait(&p->wake, &p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        seen = atomic_load(&p->gen);
        atomic_fetch_add(&p->active, 1);
        void (*fn)(void *, int) = p->fn;
        void *ctx = p->ctx;
        const int n_tasks = p->n_tasks;
        pthread_mutex_unlock(&p->mu);
        run_tasks(p, fn, ctx, n_tasks);
        pthread_mutex_lock(&p->mu);
        if (atomic_fetch_sub(&p->active, 1) == 1)
            pthread_cond_signal(&p->done);
        pthread_mutex_unlock(&p->mu);
    }
}

chord_status chord_cpu_pool_create(int n_threads, chord_cpu_pool **out)
{
    if (n_threads < 1 || n_threads > MAX_THREADS)
        return chord_fail(CHORD_ERR_INVALID, "cpu: %d threads (want 1..%d)", n_threads, MAX_THREADS);
    chord_cpu_pool *p = calloc(1, sizeof *p);
    if (!p)
        return chord_fail(CHORD_ERR_NOMEM, "cpu: out of host memory for the thread pool");
    p->n_threads = n_threads;
    if (pthread_mutex_init(&p->mu, NULL) || pthread_cond_init(&p->wake, NULL) || pthread_cond_init(&p->done, NULL)) {
        free(p);
        return chord_fail(CHORD_ERR_UNAVAILABLE, "cpu: cannot initialise the pool's mutex or condition variables");
    }
    for (int i = 1; i < n_threads; i++) {
        if (pthread_create(&p->th[p->n_started], NULL, worker, p) != 0) {
            chord_cpu_pool_destroy(p);
            return chord_fail(CHORD_ERR_UNAVAILABLE, "cpu: cannot start thread %d of %d", i + 1, n_threads);
        }
        p->n_started++;
    }
    *out = p;
    return CHORD_OK;
}

void chord_cpu_pool_destroy(chord_cpu_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n_started; i++)
        pthread_join(p->th[i], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int chord_cpu_pool_threads(const chord_cpu_pool *p) { return p->n_threads; }

void chord_cpu_parallel(chord_cpu_pool *p, int n_tasks, void (*fn)(void *ctx, int task), void *ctx)
{
    if (n_tasks <= 0)
        return;
    if (n_tasks == 1 || p->n_started == 0) { /* nothing to share: no wake-up to pay */
        for (int t = 0; t < n_tasks; t++)
            fn(ctx, t);
        return;
    }
    pthread_mutex_lock(&p->mu);
    while (atomic_load(&p->active) > 0) /* a worker that woke after the last job ended is still leaving it */
        pthread_cond_wait(&p->done, &p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->n_tasks = n_tasks;
    atomic_store(&p->next, 0);
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    run_tasks(p, fn, ctx, n_tasks);
    /* every task is claimed; wait for the ones still running (briefly polled first: they end within a task) */
    for (int i = 0; i < SPIN_POLLS && atomic_load_explicit(&p->active, memory_order_acquire) > 0; i++)
        cpu_relax();
    pthread_mutex_lock(&p->mu);
    while (atomic_load(&p->active) > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

typedef struct range_job {
    chord_cpu_range_fn fn;
    void *ctx;
    int64_t n, chunk;
} range_job;

static void range_task(void *arg, int task)
{
    const range_job *j = arg;
    const int64_t i0 = (int64_t)task * j->chunk, i1 = i0 + j->chunk < j->n ? i0 + j->chunk : j->n;
    j->fn(j->ctx, i0, i1);
}

void chord_cpu_parallel_range(chord_cpu_pool *p, int64_t n, int64_t min_chunk, int64_t align, chord_cpu_range_fn fn,
                              void *ctx)
{
    if (n <= 0)
        return;
    if (align < 1)
        align = 1;
    int64_t chunk = (n + 4 * (int64_t)p->n_threads - 1) / (4 * (int64_t)p->n_threads);
    if (chunk < min_chunk)
        chunk = min_chunk;
    chunk = (chunk + align - 1) / align * align;
    range_job j = {fn, ctx, n, chunk};
    chord_cpu_parallel(p, (int)((n + chunk - 1) / chunk), range_task, &j);
}

/* Physical cores: distinct (package, core) pairs among the CPUs this process may run on; the count of those CPUs
 * where sysfs does not say. */
static int physical_cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return (int)sysconf(_SC_NPROCESSORS_ONLN);
    long ids[MAX_THREADS];
    int n_ids = 0, n_cpus = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &set))
            continue;
        n_cpus++;
        long pkg = -1, core = -1;
        char path[128];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
        FILE *f = fopen(path, "r");
        if (f) {
            if (fscanf(f, "%ld", &pkg) != 1)
                pkg = -1;
            fclose(f);
        }
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
        if ((f = fopen(path, "r"))) {
            if (fscanf(f, "%ld", &core) != 1)
                core = -1;
            fclose(f);
        }
        if (pkg < 0 || core < 0)
            return CPU_COUNT(&set); /* no topology: every allowed CPU */
        const long id = pkg << 20 | core;
        int known = 0;
        for (int i = 0; i < n_ids && !known; i++)
            known = ids[i] == id;
        if (!known && n_ids < MAX_THREADS)
            ids[n_ids++] = id;
    }
    return n_ids > 0 ? n_ids : n_cpus;
}

int chord_cpu_default_threads(void)
{
    const char *env = getenv("CHORD_CPU_THREADS");
    long n = env && *env ? strtol(env, NULL, 10) : physical_cores();
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}
