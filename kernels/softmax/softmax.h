/* softmax: row-wise, numerically stable (max subtracted), of scale * x.
 *   tensors: 0 X (n_rows, n_cols) f32
 *            1 Y (n_rows, n_cols) f32, may alias X
 * causal: row r keeps columns j <= pos0 + r / rows_per_pos and writes 0 to the rest,
 * so rows laid out (token, head) with rows_per_pos = n_head mask by token position.
 * A row whose limit leaves no column is all zeros. */
#ifndef CHORD_SOFTMAX_H
#define CHORD_SOFTMAX_H

typedef struct chord_softmax_args {
    int n_rows, n_cols;
    float scale;      /* 1 for a plain softmax */
    int causal;       /* 0 or 1 */
    int pos0;         /* with causal: the limit of row 0 */
    int rows_per_pos; /* with causal: rows sharing one position (>= 1) */
} chord_softmax_args;

void chord_softmax_reference(const float *x, float *y, const chord_softmax_args *a);

#endif
