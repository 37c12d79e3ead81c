/* rmsnorm: y = x / sqrt(mean(x^2) + eps) * weight per row (contract: kernels/rmsnorm/rmsnorm.h;
 * Y may alias X). One work-group of RED_WG items per row; the sum of squares is a local-memory tree.
 * Rows of up to RED_WG * ROW_REG values stay in registers between the reduction and the scaling, so
 * X is read once; longer rows are read twice (the second read mostly from cache).
 *
 * Versions: v1 two passes over global memory for every row; v2 (this) keeps rows that fit in
 * registers (one read: the op moves 8 bytes per value instead of 12). */
__kernel __attribute__((reqd_work_group_size(RED_WG, 1, 1)))
void rmsnorm(__global const uchar *xb, ulong x_off, __global const uchar *wb, ulong w_off, __global uchar *yb,
             ulong y_off, int n_cols, float eps)
{
    __local float scratch[RED_WG];
    const int lid = get_local_id(0);
    const size_t row = get_group_id(0);
    __global const float *x = CHORD_AT_CONST(float, xb, x_off) + row * n_cols; /* (n_cols) of X (n_rows, n_cols) */
    __global const float *w = CHORD_AT_CONST(float, wb, w_off);                 /* (n_cols) */
    __global float *y = CHORD_AT(float, yb, y_off) + row * n_cols;              /* (n_cols) of Y */
    if (n_cols <= RED_WG * ROW_REG) {
        float v[ROW_REG];
        float ss = 0.0f;
#pragma unroll
        for (int r = 0; r < ROW_REG; r++) {
            const int c = lid + r * RED_WG;
            v[r] = c < n_cols ? x[c] : 0.0f;
            ss = fma(v[r], v[r], ss);
        }
        /* every item has read its values before the reduction's barriers: in-place writes are safe */
        const float inv = 1.0f / sqrt(chord_wg_sum(ss, scratch, RED_WG) / (float)n_cols + eps);
#pragma unroll
        for (int r = 0; r < ROW_REG; r++) {
            const int c = lid + r * RED_WG;
            if (c < n_cols)
                y[c] = v[r] * inv * w[c];
        }
    } else {
        float ss = 0.0f;
        for (int c = lid; c < n_cols; c += RED_WG)
            ss = fma(x[c], x[c], ss);
        const float inv = 1.0f / sqrt(chord_wg_sum(ss, scratch, RED_WG) / (float)n_cols + eps);
        for (int c = lid; c < n_cols; c += RED_WG) /* each value is read and written by the same item */
            y[c] = x[c] * inv * w[c];
    }
}
