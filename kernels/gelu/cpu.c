/* gelu on the cpu backend: cpu_span.h's span, built for each SIMD path, in cache-line pieces over the pool. */
#include "../common/cpu_launch.h"
#include "cpu_span.h"
#include "gelu.h"

chord_status chord_gelu_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_cpu_span_fn span =
        chord_cpu_pick_span(chord_cpu_ctx_isa(ctx), gelu_span, CHORD_CPU_AVX2(chord_gelu_span_avx2),
                            CHORD_CPU_AVX512(chord_gelu_span_avx512));
    return chord_cpu_elementwise(ctx, t, 1, args, span); /* X (n), Y (n) */
}
