/* softmax: row-wise, max-subtracted softmax of scale * x with an optional causal limit (contract:
 * kernels/softmax/softmax.h; Y may alias X). One work-group of RED_WG items per row, local-memory
 * tree reductions for the max and the sum. Rows of up to RED_WG * ROW_REG values stay in registers
 * (X read once, exp computed once); longer rows take three passes over X.
 *
 * Versions: v1 three passes for every row; v2 (this) register-resident rows: one read, one write. */
__kernel __attribute__((reqd_work_group_size(RED_WG, 1, 1)))
void softmax(__global const uchar *xb, ulong x_off, __global uchar *yb, ulong y_off, int n_cols, float scale,
             int causal, int pos0, int rows_per_pos)
{
    __local float scratch[RED_WG];
    const int lid = get_local_id(0);
    const int row = get_group_id(0);
    __global const float *x = CHORD_AT_CONST(float, xb, x_off) + (size_t)row * n_cols; /* (n_cols) of X */
    __global float *y = CHORD_AT(float, yb, y_off) + (size_t)row * n_cols;              /* (n_cols) of Y */
    long n_valid = n_cols; /* columns 0 .. n_valid-1 take part */
    if (causal) {
        const long limit = (long)pos0 + row / rows_per_pos;
        n_valid = limit + 1 < n_cols ? limit + 1 : n_cols;
        if (n_valid < 0)
            n_valid = 0;
    }
    const int nv = (int)n_valid;
    if (n_cols <= RED_WG * ROW_REG) {
        float v[ROW_REG];
        float mx = -INFINITY;
#pragma unroll
        for (int r = 0; r < ROW_REG; r++) {
            const int c = lid + r * RED_WG;
            v[r] = c < nv ? scale * x[c] : -INFINITY;
            mx = fmax(mx, v[r]);
        }
        mx = chord_wg_max(mx, scratch, RED_WG);
        float sum = 0.0f;
#pragma unroll
        for (int r = 0; r < ROW_REG; r++) {
            const int c = lid + r * RED_WG;
            v[r] = c < nv ? exp(v[r] - mx) : 0.0f;
            sum += v[r];
        }
        sum = chord_wg_sum(sum, scratch, RED_WG);
#pragma unroll
        for (int r = 0; r < ROW_REG; r++) {
            const int c = lid + r * RED_WG;
            if (c < n_cols)
                y[c] = c < nv ? v[r] / sum : 0.0f;
        }
    } else {
        float mx = -INFINITY;
        for (int c = lid; c < nv; c += RED_WG)
            mx = fmax(mx, scale * x[c]);
        mx = chord_wg_max(mx, scratch, RED_WG);
        float sum = 0.0f;
        for (int c = lid; c < nv; c += RED_WG)
            sum += exp(scale * x[c] - mx);
        sum = chord_wg_sum(sum, scratch, RED_WG);
        for (int c = lid; c < n_cols; c += RED_WG) /* each value is read and written by the same item */
            y[c] = c < nv ? exp(scale * x[c] - mx) / sum : 0.0f;
    }
}
