/* cpu_launch.h's shared launcher shapes: an op split over items, and elementwise ops in cache-line pieces. */
#include "cpu_launch.h"

typedef struct elementwise_job {
    const float *a, *b;
    float *y;
    chord_cpu_span_fn span;
} elementwise_job;

static void elementwise_range(void *arg, int64_t i0, int64_t i1)
{
    const elementwise_job *j = arg;
    j->span(j->a + i0, j->b ? j->b + i0 : NULL, j->y + i0, i1 - i0);
}

chord_status chord_cpu_elementwise(void *ctx, const chord_tensor *t, int n_inputs, const chord_elementwise_args *a,
                                   chord_cpu_span_fn span)
{
    if (!t) /* a support query: every n */
        return CHORD_OK;
    elementwise_job j = {chord_cpu_ptr(t[0]), n_inputs > 1 ? chord_cpu_ptr(t[1]) : NULL, chord_cpu_ptr(t[n_inputs]),
                         span};
    /* 16 Ki values (64 KiB) a piece at least: below that a wake-up costs more than the work */
    chord_cpu_parallel_range(chord_cpu_ctx_pool(ctx), a->n, 16384, 16, elementwise_range, &j);
    return CHORD_OK;
}

typedef struct items_job {
    chord_cpu_job job;
    chord_cpu_items_fn items;
} items_job;

static void items_range(void *arg, int64_t i0, int64_t i1)
{
    const items_job *j = arg;
    j->items(&j->job, i0, i1);
}

chord_status chord_cpu_launch_items(void *ctx, const chord_tensor *t, int n_tensors, const void *args, int64_t n_items,
                                    int64_t min_items, int64_t align, chord_cpu_items_fn items)
{
    items_job j = {.job = {.args = args, .isa = chord_cpu_ctx_isa(ctx)}, .items = items};
    for (int i = 0; i < n_tensors; i++)
        j.job.t[i] = chord_cpu_ptr(t[i]);
    chord_cpu_parallel_range(chord_cpu_ctx_pool(ctx), n_items, min_items, align, items_range, &j);
    return CHORD_OK;
}

chord_cpu_span_fn chord_cpu_pick_span(chord_cpu_isa isa, chord_cpu_span_fn portable, chord_cpu_span_fn avx2,
                                      chord_cpu_span_fn avx512)
{
    return isa >= CHORD_CPU_AVX512 && avx512 ? avx512 : isa >= CHORD_CPU_AVX2 && avx2 ? avx2 : portable;
}

chord_cpu_items_fn chord_cpu_pick_items(chord_cpu_isa isa, chord_cpu_items_fn portable, chord_cpu_items_fn avx2,
                                        chord_cpu_items_fn avx512)
{
    return isa >= CHORD_CPU_AVX512 && avx512 ? avx512 : isa >= CHORD_CPU_AVX2 && avx2 ? avx2 : portable;
}
