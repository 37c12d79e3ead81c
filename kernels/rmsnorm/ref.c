/* rmsnorm reference: mean of squares and the scaling in double, one rounding to float per output. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "rmsnorm.h"
#include "../common/ref_launch.h"

void chord_rmsnorm_reference(const float *x, const float *weight, float *y, const chord_rmsnorm_args *a)
{
    /* x, y: (n_rows, n_cols); weight: (n_cols); y may alias x, so each row is read fully before it is written */
    for (int r = 0; r < a->n_rows; r++) {
        const float *xr = x + (size_t)r * a->n_cols;
        float *yr = y + (size_t)r * a->n_cols;
        double ss = 0.0;
        for (int c = 0; c < a->n_cols; c++)
            ss += (double)xr[c] * (double)xr[c];
        const double inv = 1.0 / sqrt(ss / a->n_cols + (double)a->eps);
        for (int c = 0; c < a->n_cols; c++)
            yr[c] = (float)((double)xr[c] * inv * (double)weight[c]);
    }
}

float *chord_rmsnorm_reference_new(const float *x, const float *weight, const chord_rmsnorm_args *a)
{
    const size_t n = (size_t)a->n_rows * (size_t)a->n_cols;
    float *y = malloc((n ? n : 1) * sizeof *y);
    if (y)
        chord_rmsnorm_reference(x, weight, y, a);
    return y;
}

chord_status chord_rmsnorm_ref(void *ctx, const chord_tensor *t, const void *args)
{
    (void)ctx;
    if (t) /* X (n_rows, n_cols), weight (n_cols), Y (n_rows, n_cols); without tensors: a support query, and ref runs every shape */
        chord_rmsnorm_reference(chord_ref_ptr(t[0]), chord_ref_ptr(t[1]), chord_ref_ptr(t[2]), args);
    return CHORD_OK;
}
