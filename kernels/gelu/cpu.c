/* gelu on the cpu backend: 0.5 x (1 + tanh u) written as x / (1 + e^-2u), u = sqrt(2/pi) (x + 0.044715 x^3), which
 * avoids the cancellation of 1 + tanh u for negative x; float, with cpu_math.h's exp, over the pool. */
#include "../common/cpu_launch.h"
#include "../common/cpu_math.h"
#include "gelu.h"

static void gelu_span(const float *x, const float *unused, float *y, int64_t n)
{
    /* x, y: (n); y may alias x exactly */
    (void)unused;
    const float c2 = 2.0f * 0.79788456080286536f; /* 2 sqrt(2/pi) */
    for (int64_t i = 0; i < n; i++) {
        const float v = x[i];
        y[i] = v / (1.0f + chord_cpu_expf(-c2 * (v + 0.044715f * v * v * v)));
    }
}

chord_status chord_gelu_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    return chord_cpu_elementwise(ctx, t, 1, args, gelu_span); /* X (n), Y (n) */
}
