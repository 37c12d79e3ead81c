/* matmul (GEMV form): Y = X W^T for every weight type (contract: kernels/matmul/matmul.h).
 * One work-group of MM_WG items per W row j and ROWS rows of X: the items walk the row in 8-value
 * chunks (kernels/common/opencl_quant.cl) MM_WG apart, so a group reads its quantized row once,
 * contiguously, and dequantizes in registers; partial sums meet in a local-memory tree.
 * The decode step (m = 1) is bound by W's bytes: ROWS = 1 there; prefill batches use ROWS > 1 so
 * each decoded chunk serves several X rows. Types with 1-value blocks may leave a tail of k % 8.
 *
 * Versions: v1 one item per output (each item walked a whole row: uncoalesced, k-serial);
 * v2 a work-group per row with 8-value chunks and a tree reduction; v3 (this) the chunk loop
 * unrolled by 4 (more bytes in flight per item for the bandwidth-bound decode). */
#ifndef ROWS
#define ROWS 1
#endif

static inline float chord_dot8(float8 a, float8 b, float acc)
{
    acc = fma(a.s0, b.s0, acc);
    acc = fma(a.s1, b.s1, acc);
    acc = fma(a.s2, b.s2, acc);
    acc = fma(a.s3, b.s3, acc);
    acc = fma(a.s4, b.s4, acc);
    acc = fma(a.s5, b.s5, acc);
    acc = fma(a.s6, b.s6, acc);
    return fma(a.s7, b.s7, acc);
}

__kernel __attribute__((reqd_work_group_size(MM_WG, 1, 1)))
void matmul(__global const uchar *wb, ulong w_off, __global const uchar *xb, ulong x_off, __global uchar *yb,
            ulong y_off, int m, int n, int k, ulong row_bytes)
{
    __local float scratch[ROWS][MM_WG];
    const int lid = get_local_id(0);
    const int j = get_group_id(0);
    const int i0 = get_group_id(1) * ROWS;
    __global const uchar *w = wb + w_off + (size_t)j * row_bytes; /* row j of W (n, k) */
    __global const float *x = CHORD_AT_CONST(float, xb, x_off);  /* X (m, k) */
    __global float *y = CHORD_AT(float, yb, y_off);               /* Y (m, n) */
    float acc[ROWS];
#pragma unroll
    for (int r = 0; r < ROWS; r++)
        acc[r] = 0.0f;
    const int nc = k / 8;
#define STEP(wv, c)                                                                  \
    for (int r = 0; r < ROWS; r++)                                                   \
        if (ROWS == 1 || i0 + r < m)                                                 \
            acc[r] = chord_dot8((wv), vload8((c), x + (size_t)(i0 + r) * k), acc[r]);
    int c = lid;
    /* 4 chunks per step: their loads are issued together, so each item keeps more bytes of W in
     * flight (written out since PoCL's optimizer refuses #pragma unroll here) */
    for (; c + 3 * MM_WG < nc; c += 4 * MM_WG) {
        const float8 w0 = CHORD_DQ8(w, (uint)c), w1 = CHORD_DQ8(w, (uint)(c + MM_WG));
        const float8 w2 = CHORD_DQ8(w, (uint)(c + 2 * MM_WG)), w3 = CHORD_DQ8(w, (uint)(c + 3 * MM_WG));
        STEP(w0, c)
        STEP(w1, c + MM_WG)
        STEP(w2, c + 2 * MM_WG)
        STEP(w3, c + 3 * MM_WG)
    }
    for (; c < nc; c += MM_WG) {
        const float8 w0 = CHORD_DQ8(w, (uint)c);
        STEP(w0, c)
    }
#undef STEP
#ifdef CHORD_DQ1
    for (int i = nc * 8 + lid; i < k; i += MM_WG) {
        const float wv = CHORD_DQ1(w, i);
#pragma unroll
        for (int r = 0; r < ROWS; r++)
            if (ROWS == 1 || i0 + r < m)
                acc[r] = fma(wv, x[(size_t)(i0 + r) * k + i], acc[r]);
    }
#endif
#pragma unroll
    for (int r = 0; r < ROWS; r++)
        scratch[r][lid] = acc[r];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = MM_WG / 2; s > 0; s >>= 1) {
        if (lid < s) {
#pragma unroll
            for (int r = 0; r < ROWS; r++)
                scratch[r][lid] += scratch[r][lid + s];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid < ROWS && i0 + lid < m)
        y[(size_t)(i0 + lid) * n + j] = scratch[lid][0];
}
