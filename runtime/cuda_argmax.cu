/* Greedy decoding's argmax on the device, so a decode step sends one token id over PCIe instead of the whole
 * vocabulary's logits (513 KB for a 128256-token vocabulary, ~20-50 us of a pageable copy per step).
 * The answer is the host's (chord_logits_argmax): the lowest index of the largest value. A NaN anywhere is
 * reported instead (its lowest index), as the sampler refuses NaN logits, so NaN never takes part in the order.
 * One block: the vocabularies are 32K-256K floats, a few microseconds for one SM.
 * H200 (results/nvidia-h200/2026-12-02-35fece2e616a), tg128 with the argmax against the logits copied back: llama-1b
 * q4_0 (128256 logits) 0-5% faster, smollm2-135m q4_1 0-2%, llama2-7b q4_0 1%. */
#include <float.h>

#include "../kernels/common/cuda_common.cuh"

#define ARGMAX_THREADS 1024

/* (value, index) that wins: the larger value, then the lower index */
__device__ __forceinline__ void argmax_take(float &bv, int &bi, float v, int i)
{
    if (v > bv || (v == bv && i < bi)) {
        bv = v;
        bi = i;
    }
}

__global__ void __launch_bounds__(ARGMAX_THREADS)
    chord_cuda_argmax_kernel(const float *__restrict__ x /* (n) */, int n, int *__restrict__ out /* (2) */)
{
    __shared__ float sv[ARGMAX_THREADS / 32];
    __shared__ int si[ARGMAX_THREADS / 32], sn[ARGMAX_THREADS / 32];
    float bv = -INFINITY;
    int bi = INT_MAX, nan_i = INT_MAX;
    for (int i = threadIdx.x; i < n; i += ARGMAX_THREADS) {
        const float v = x[i];
        if (isnan(v))
            nan_i = min(nan_i, i);
        else
            argmax_take(bv, bi, v, i);
    }
    for (int o = 16; o > 0; o >>= 1) {
        const float v = __shfl_down_sync(0xffffffffu, bv, o);
        const int i = __shfl_down_sync(0xffffffffu, bi, o);
        nan_i = min(nan_i, __shfl_down_sync(0xffffffffu, nan_i, o));
        argmax_take(bv, bi, v, i);
    }
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) {
        sv[warp] = bv;
        si[warp] = bi;
        sn[warp] = nan_i;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int w = 1; w < ARGMAX_THREADS / 32; w++) {
            argmax_take(bv, bi, sv[w], si[w]);
            nan_i = min(nan_i, sn[w]);
        }
        out[0] = bi == INT_MAX ? 0 : bi; /* every value NaN: the NaN report below decides */
        out[1] = nan_i == INT_MAX ? -1 : nan_i;
    }
}

extern "C" chord_status chord_cuda_argmax_launch(cudaStream_t stream, const float *x, int n, int *out)
{
    chord_cuda_argmax_kernel<<<1, ARGMAX_THREADS, 0, stream>>>(x, n, out);
    CHORD_CUDA_CHECK_LAUNCH("chord_cuda_argmax_kernel");
    return CHORD_OK;
}
