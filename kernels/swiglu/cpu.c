/* swiglu on the cpu backend: cpu_span.h's span, built for each SIMD path, in cache-line pieces over the pool. In float
 * (a few ulps from the reference's double). */
#include "../common/cpu_launch.h"
#include "cpu_span.h"
#include "swiglu.h"

chord_status chord_swiglu_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_cpu_span_fn span =
        chord_cpu_pick_span(chord_cpu_ctx_isa(ctx), swiglu_span, CHORD_CPU_AVX2(chord_swiglu_span_avx2),
                            CHORD_CPU_AVX512(chord_swiglu_span_avx512));
    return chord_cpu_elementwise(ctx, t, 2, args, span); /* GATE (n), UP (n), Y (n) */
}
