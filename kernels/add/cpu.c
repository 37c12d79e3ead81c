/* add on the cpu backend: one IEEE addition per value, as the reference, in cache-line pieces over the pool. */
#include "../common/cpu_launch.h"
#include "add.h"

static void add_span(const float *a, const float *b, float *y, int64_t n)
{
    /* a, b, y: (n); y may alias a or b exactly, so no restrict: element i is read before it is written */
    for (int64_t i = 0; i < n; i++)
        y[i] = a[i] + b[i];
}

chord_status chord_add_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    return chord_cpu_elementwise(ctx, t, 2, args, add_span); /* A (n), B (n), Y (n) */
}
