/* softmax on the cpu backend: rows over the pool, cpu_span.h's row loop built for each SIMD path. */
#include "cpu_span.h"

chord_status chord_softmax_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_softmax_args *a = args;
    if (!t || a->n_cols <= 0) /* a support query: every shape */
        return CHORD_OK;
    const chord_cpu_items_fn rows =
        chord_cpu_pick_items(chord_cpu_ctx_isa(ctx), softmax_rows, CHORD_CPU_AVX2(chord_softmax_rows_avx2),
                             CHORD_CPU_AVX512(chord_softmax_rows_avx512));
    return chord_cpu_launch_items(ctx, t, 2, a, a->n_rows, 1 + 16384 / a->n_cols, 1, rows);
}
