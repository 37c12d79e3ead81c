/* rmsnorm: y = x / sqrt(mean(x^2) + eps) * weight, row by row.
 *   tensors: 0 X (n_rows, n_cols) f32
 *            1 weight (n_cols) f32
 *            2 Y (n_rows, n_cols) f32, may alias X */
#ifndef CHORD_RMSNORM_H
#define CHORD_RMSNORM_H

typedef struct chord_rmsnorm_args {
    int n_rows, n_cols;
    float eps;
} chord_rmsnorm_args;

void chord_rmsnorm_reference(const float *x, const float *weight, float *y, const chord_rmsnorm_args *a);
/* The reference into a new buffer (n_rows, n_cols) the caller frees; NULL without memory. The fused ops' references
 * (rmsnorm_qkv, rmsnorm_swiglu) start from it. */
float *chord_rmsnorm_reference_new(const float *x, const float *weight, const chord_rmsnorm_args *a);

#endif
