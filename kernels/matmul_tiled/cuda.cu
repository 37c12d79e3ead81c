/* matmul_tiled, CUDA: Y (m, n) = X (m, k) W (n, k)^T in f32, the prompt-time GEMM.
 *
 * Versions (none timed yet: the first H100 run is the lead's; expectations are reasoning only):
 *   v1 (this) 16 x 16 shared-memory tiles, one output per thread, bounds-checked everywhere.
 *      Expected a few TFLOP/s: two shared loads per FMA. A correct baseline while v2+ are written. */
#include "../common/cuda_common.cuh"

#define MT_T 16

__global__ void __launch_bounds__(MT_T *MT_T)
    matmul_tiled_v1(const float *__restrict__ w /* (n, k) */, const float *__restrict__ x /* (m, k) */,
                    float *__restrict__ y /* (m, n) */, int m, int n, int k)
{
    __shared__ float xs[MT_T][MT_T + 1]; /* [row of X][k]: +1 keeps the column reads conflict-free */
    __shared__ float ws[MT_T][MT_T + 1]; /* [row of W][k] */
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int row = blockIdx.y * MT_T + ty; /* output row (X row) */
    const int col = blockIdx.x * MT_T + tx; /* output column (W row) */
    const int wrow = blockIdx.x * MT_T + ty; /* the W row this thread loads */
    float acc = 0.0f;
    for (int k0 = 0; k0 < k; k0 += MT_T) {
        xs[ty][tx] = row < m && k0 + tx < k ? x[(size_t)row * k + k0 + tx] : 0.0f;
        ws[ty][tx] = wrow < n && k0 + tx < k ? w[(size_t)wrow * k + k0 + tx] : 0.0f;
        __syncthreads();
#pragma unroll
        for (int l = 0; l < MT_T; l++)
            acc = fmaf(xs[ty][l], ws[tx][l], acc);
        __syncthreads();
    }
    if (row < m && col < n)
        y[(size_t)row * n + col] = acc;
}

extern "C" int chord_matmul_tiled_cuda_supported(const chord_matmul_args *a)
{
    return a->wtype == CHORD_TYPE_F32;
}

extern "C" chord_status chord_matmul_tiled_cuda(const void *w, const float *x, float *y, const chord_matmul_args *a,
                                                cudaStream_t stream)
{
    if (!chord_matmul_tiled_cuda_supported(a))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda matmul_tiled: weight type %s (f32 only)",
                          chord_type_info(a->wtype)->name);
    if (a->m < 0 || a->n < 0 || a->k < 0)
        return chord_fail(CHORD_ERR_INVALID, "cuda matmul_tiled: bad shape m=%d n=%d k=%d", a->m, a->n, a->k);
    if ((a->m + MT_T - 1) / MT_T > 65535)
        return chord_fail(CHORD_ERR_INVALID, "cuda matmul_tiled: m=%d exceeds the grid", a->m);
    if (!chord_cuda_aligned(w, 4) || !chord_cuda_aligned(x, 4) || !chord_cuda_aligned(y, 4))
        return chord_fail(CHORD_ERR_INVALID, "cuda matmul_tiled: misaligned W %p, X %p or Y %p", w, (const void *)x,
                          (void *)y);
    if (a->m == 0 || a->n == 0)
        return CHORD_OK;
    const dim3 grid((unsigned)((a->n + MT_T - 1) / MT_T), (unsigned)((a->m + MT_T - 1) / MT_T));
    matmul_tiled_v1<<<grid, dim3(MT_T, MT_T), 0, stream>>>((const float *)w, x, y, a->m, a->n, a->k);
    CHORD_CUDA_CHECK_LAUNCH("matmul_tiled_v1");
    return CHORD_OK;
}
