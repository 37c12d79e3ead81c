/* rmsnorm on the cpu backend: rows over the pool; per row the sum of squares in LANES double sums (the reference
 * sums in double; the widening is free next to the memory traffic), the scaling in float. */
#include <math.h>

#include "../common/cpu_launch.h"
#include "rmsnorm.h"

#define LANES 8

typedef struct rmsnorm_job {
    const float *x, *weight;
    float *y;
    const chord_rmsnorm_args *a;
} rmsnorm_job;

static void rmsnorm_rows(void *arg, int64_t r0, int64_t r1)
{
    const rmsnorm_job *j = arg;
    const int n = j->a->n_cols;
    for (int64_t r = r0; r < r1; r++) {
        const float *xr = j->x + (size_t)r * n; /* (n_cols); y may alias x: read whole before written */
        float *yr = j->y + (size_t)r * n;
        double acc[LANES] = {0};
        int c = 0;
        for (; c + LANES <= n; c += LANES)
            for (int l = 0; l < LANES; l++)
                acc[l] += (double)xr[c + l] * xr[c + l];
        for (; c < n; c++)
            acc[0] += (double)xr[c] * xr[c];
        double ss = 0;
        for (int l = 0; l < LANES; l++)
            ss += acc[l];
        const float inv = (float)(1.0 / sqrt(ss / n + (double)j->a->eps));
        for (c = 0; c < n; c++)
            yr[c] = xr[c] * inv * j->weight[c];
    }
}

chord_status chord_rmsnorm_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_rmsnorm_args *a = args;
    if (!t || a->n_cols <= 0) /* a support query: every shape */
        return CHORD_OK;
    rmsnorm_job j = {chord_cpu_ptr(t[0]), chord_cpu_ptr(t[1]), chord_cpu_ptr(t[2]), a}; /* X, weight, Y */
    chord_cpu_parallel_range(chord_cpu_ctx_pool(ctx), a->n_rows, 1 + 16384 / a->n_cols, 1, rmsnorm_rows, &j);
    return CHORD_OK;
}
