/* rmsnorm, CUDA: y = x / sqrt(mean(x^2) + eps) * weight, one block per row.
 *
 * Versions (not timed here: no GPU on the build machine; the lead adds the H100 figures):
 *   v1 (this) one block per row, two reads of the row: the sum of squares, then the scaling. The
 *      second read hits L1/L2 (a 16 KiB row was just read by the same block), so DRAM sees one read
 *      and one write per element. float4 loads/stores when n_cols % 4 == 0 and X, Y, weight are
 *      16-aligned (checked at run time; else scalar). Each float4's four squares are summed in
 *      float, then accumulated per thread and across the block in double (warp shuffles, then 32
 *      shared slots): the mean is then as good as the reference's, and only ~0.5 FP64 op per element
 *      remains, far below the memory time. 256 threads per block (1024 when there are too few rows
 *      to fill 132 SMs). Expected: >= 85% of copy bandwidth at 4096 x 4096 (64 MiB).
 *   Not tried: keeping the row in registers (one read, but a fixed upper bound on n_cols per
 *      variant); worth it only if the L2 re-read shows up in the H100 profile.
 * Y may alias X: each element is read by the thread that writes it, after the row's sum is done. */
#include "../common/cuda_common.cuh"

template <bool VEC>
__global__ void __launch_bounds__(1024)
    rmsnorm_kernel(const float *x /* (n_rows, n_cols) */, const float *__restrict__ weight /* (n_cols) */,
                   float *y /* (n_rows, n_cols) */, int n_rows, int n_cols, float eps)
{
    __shared__ double sh[32];
    const int tid = threadIdx.x, nt = blockDim.x;
    for (int row = blockIdx.x; row < n_rows; row += gridDim.x) {
        const float *xr = x + (size_t)row * n_cols;
        float *yr = y + (size_t)row * n_cols;
        double ss = 0.0;
        if (VEC) {
            const int n4 = n_cols >> 2;
#pragma unroll 4
            for (int i = tid; i < n4; i += nt) {
                const float4 v = ((const float4 *)xr)[i];
                ss += (double)(v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w);
            }
        } else {
#pragma unroll 4
            for (int c = tid; c < n_cols; c += nt)
                ss += (double)(xr[c] * xr[c]);
        }
        ss = chord_block_sum_d(ss, sh);
        const float inv = (float)(1.0 / sqrt(ss / n_cols + (double)eps));
        if (VEC) {
            const int n4 = n_cols >> 2;
#pragma unroll 4
            for (int i = tid; i < n4; i += nt) {
                const float4 v = ((const float4 *)xr)[i], w = ((const float4 *)weight)[i];
                ((float4 *)yr)[i] = make_float4(v.x * inv * w.x, v.y * inv * w.y, v.z * inv * w.z, v.w * inv * w.w);
            }
        } else {
#pragma unroll 4
            for (int c = tid; c < n_cols; c += nt)
                yr[c] = xr[c] * inv * weight[c];
        }
    }
}

extern "C" chord_status chord_rmsnorm_cuda(const float *x, const float *weight, float *y, const chord_rmsnorm_args *a,
                                           cudaStream_t stream)
{
    if (a->n_rows < 0 || a->n_cols < 0)
        return chord_fail(CHORD_ERR_INVALID, "cuda rmsnorm: bad shape %d x %d", a->n_rows, a->n_cols);
    if (!chord_cuda_aligned(x, 4) || !chord_cuda_aligned(weight, 4) || !chord_cuda_aligned(y, 4))
        return chord_fail(CHORD_ERR_INVALID, "cuda rmsnorm: misaligned X %p, weight %p or Y %p", (const void *)x,
                          (const void *)weight, (void *)y);
    if (a->n_rows == 0 || a->n_cols == 0)
        return CHORD_OK;
    const bool vec = a->n_cols % 4 == 0 && chord_cuda_aligned(x, 16) && chord_cuda_aligned(y, 16) &&
                     chord_cuda_aligned(weight, 16);
    int threads = chord_cuda_row_threads(vec ? a->n_cols / 4 : a->n_cols);
    const int cap = a->n_rows >= 2 * 132 ? 256 : 1024; /* few rows: wider blocks to use the SMs */
    threads = threads > cap ? cap : threads;
    const unsigned grid = (unsigned)a->n_rows; /* <= INT_MAX, within gridDim.x's 2^31 - 1 */
    if (vec)
        rmsnorm_kernel<true><<<grid, threads, 0, stream>>>(x, weight, y, a->n_rows, a->n_cols, a->eps);
    else
        rmsnorm_kernel<false><<<grid, threads, 0, stream>>>(x, weight, y, a->n_rows, a->n_cols, a->eps);
    CHORD_CUDA_CHECK_LAUNCH("rmsnorm_kernel");
    return CHORD_OK;
}
