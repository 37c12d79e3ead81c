/* swiglu on the cpu backend: silu(g) * up = g * up / (1 + e^-g) in float with the vectorizable exp of
 * cpu_math.h (a few ulps from the reference's double), in cache-line pieces over the pool. */
#include "../common/cpu_launch.h"
#include "../common/cpu_math.h"
#include "swiglu.h"

static void swiglu_span(const float *gate, const float *up, float *y, int64_t n)
{
    /* gate, up, y: (n); y may alias gate or up exactly: element i is read before it is written */
    for (int64_t i = 0; i < n; i++)
        y[i] = gate[i] * up[i] / (1.0f + chord_cpu_expf(-gate[i]));
}

chord_status chord_swiglu_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    return chord_cpu_elementwise(ctx, t, 2, args, swiglu_span); /* GATE (n), UP (n), Y (n) */
}
