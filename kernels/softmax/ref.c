/* softmax reference: per row, the max of scale * x over the valid columns is subtracted, the exps and
 * their sum are in double. With causal, row r keeps columns j <= pos0 + r / rows_per_pos; the rest
 * are written 0, and a row with no valid column is all zeros. */
#include <math.h>
#include <stddef.h>

#include "softmax.h"
#include "../common/ref_launch.h"

void chord_softmax_reference(const float *x, float *y, const chord_softmax_args *a)
{
    /* x, y: (n_rows, n_cols); y may alias x: each pass reads x[c] before writing y[c] only */
    const int rpp = a->rows_per_pos > 0 ? a->rows_per_pos : 1;
    for (int r = 0; r < a->n_rows; r++) {
        const float *xr = x + (size_t)r * a->n_cols;
        float *yr = y + (size_t)r * a->n_cols;
        /* n_valid: columns 0 .. n_valid-1 take part */
        long long n_valid = a->n_cols;
        if (a->causal) {
            const long long limit = (long long)a->pos0 + r / rpp;
            n_valid = limit + 1 < a->n_cols ? limit + 1 : a->n_cols;
            if (n_valid < 0)
                n_valid = 0;
        }
        double max = -INFINITY;
        for (long long c = 0; c < n_valid; c++) {
            const double v = (double)a->scale * xr[c];
            if (v > max)
                max = v;
        }
        double sum = 0.0;
        for (long long c = 0; c < n_valid; c++)
            sum += exp((double)a->scale * xr[c] - max);
        for (long long c = 0; c < n_valid; c++)
            yr[c] = (float)(exp((double)a->scale * xr[c] - max) / sum);
        for (long long c = n_valid; c < a->n_cols; c++)
            yr[c] = 0.0f;
    }
}

chord_status chord_softmax_ref(void *ctx, const chord_tensor *t, const void *args)
{
    (void)ctx;
    if (t) /* X (n_rows, n_cols), Y likewise; without tensors: a support query, and ref runs every shape */
        chord_softmax_reference(chord_ref_ptr(t[0]), chord_ref_ptr(t[1]), args);
    return CHORD_OK;
}
