/* gelu, CUDA: y = 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3), computed as x / (1 + exp(-2u)): the
 * same function (1 + tanh u = 2 / (1 + exp(-2u))) without the cancellation of 1 + tanh u as u -> -inf. In float
 * with the accurate expf and IEEE division (no fast-math): a few roundings against the reference's double.
 *
 * Versions:
 *   v1 (this) grid-stride, float4 loads/stores when both pointers are 16-aligned (checked at run time, else the
 *      scalar loop). Expected: at copy bandwidth for n >= 16M (8 bytes per element against ~10 flops).
 * Y may alias X: each element is read before the same thread writes it, so no __restrict__. */
#include "../common/cuda_common.cuh"
#include "gelu.h"

__device__ __forceinline__ float gelu1(float x)
{
    const float u = 0.7978845608028654f * (x + 0.044715f * x * x * x); /* sqrt(2/pi) */
    return x / (1.0f + expf(-2.0f * u));
}

__global__ void __launch_bounds__(256) gelu_vec4(const float4 *x /* (n4) */, float4 *y /* (n4) */, int64_t n4)
{
    const int64_t stride = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n4; i += stride) {
        const float4 v = x[i];
        y[i] = make_float4(gelu1(v.x), gelu1(v.y), gelu1(v.z), gelu1(v.w));
    }
}

/* elements [begin, n): the whole tensor when unaligned, the n % 4 tail otherwise */
__global__ void __launch_bounds__(256) gelu_scalar(const float *x, float *y, int64_t begin, int64_t n)
{
    const int64_t stride = (int64_t)gridDim.x * blockDim.x;
    for (int64_t i = begin + (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
        y[i] = gelu1(x[i]);
}

extern "C" chord_status chord_gelu_cuda(void *ctx, const chord_tensor *t, const void *args)
{
    const int64_t n = ((const chord_gelu_args *)args)->n;
    if (!t || n == 0) /* a support query (every n runs), or nothing to do */
        return CHORD_OK;
    const float *x = (const float *)chord_cuda_ptr(t[0]);
    float *y = (float *)chord_cuda_ptr(t[1]);
    if (!chord_cuda_aligned(x, 4) || !chord_cuda_aligned(y, 4))
        return chord_fail(CHORD_ERR_INVALID, "cuda gelu: misaligned X %p or Y %p", (const void *)x, (void *)y);
    const cudaStream_t stream = chord_cuda_stream(ctx);
    const int threads = 256;
    int64_t done = 0;
    if (chord_cuda_aligned(x, 16) && chord_cuda_aligned(y, 16) && n >= 4) {
        const int64_t n4 = n / 4;
        gelu_vec4<<<chord_cuda_grid(n4, threads), threads, 0, stream>>>((const float4 *)x, (float4 *)y, n4);
        CHORD_CUDA_CHECK_LAUNCH("gelu_vec4");
        done = 4 * n4;
    }
    if (done < n) {
        gelu_scalar<<<chord_cuda_grid(n - done, threads), threads, 0, stream>>>(x, y, done, n);
        CHORD_CUDA_CHECK_LAUNCH("gelu_scalar");
    }
    return CHORD_OK;
}
