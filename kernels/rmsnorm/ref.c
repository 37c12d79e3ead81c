/* rmsnorm reference: mean of squares and the scaling in double, one rounding to float per output. */
#include <math.h>
#include <stddef.h>

#include "rmsnorm.h"

void chord_rmsnorm_ref(const float *x, const float *weight, float *y, const chord_rmsnorm_args *a)
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
