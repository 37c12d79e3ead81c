/* Greedy decoding's argmax on the device, so a decode step sends one token id over PCIe instead of the whole
 * vocabulary's logits (513 KB for a 128256-token vocabulary, ~20-50 us of a pageable copy per step).
 * The answer is the host's (chord_logits_argmax): the lowest index of the largest value. A NaN anywhere is
 * reported instead (its lowest index), as the sampler refuses NaN logits, so NaN never takes part in the order.
 * H200 (results/nvidia-h200/2026-12-02-35fece2e616a), tg128 with the argmax against the logits copied back: llama-1b
 * q4_0 (128256 logits) 0-5% faster, smollm2-135m q4_1 0-2%, llama2-7b q4_0 1%.
 *
 * v1 was one block of 1024 threads: ncu put it at 16-25 us for SmolLM2's 49152 logits and 37-58 us for the 1B's
 * 128256 (each thread's ~125 loads one after another), 3-7% of a decode step. v2 (this): CHORD_CUDA_ARGMAX_BLOCKS
 * blocks of 256 threads, ~8 loads per thread in flight together; each block's (value, index, first NaN) goes to
 * out's partials and the last block to finish (a counter, reset by that block) reduces them. The order of the
 * partials does not matter: the larger value then the lower index, and the lowest NaN index, are the same in any
 * order. Expected: ~4 us, SmolLM2-shape and 1B tg128 +2-5%. Measured (H200, ncu, the 1B's 128256 logits): 8.3-8.6
 * us; tg128 with the other changes of that run: results/nvidia-h200/2026-12-03-4b5a12ac95f7 (1B +6% in all). */
#include <float.h>

#include "../kernels/common/cuda_common.cuh"

#define ARGMAX_THREADS 256

/* (value, index) that wins: the larger value, then the lower index */
__device__ __forceinline__ void argmax_take(float &bv, int &bi, float v, int i)
{
    if (v > bv || (v == bv && i < bi)) {
        bv = v;
        bi = i;
    }
}

/* the block's (value, index, first NaN) into thread 0's */
__device__ __forceinline__ void argmax_block(float &bv, int &bi, int &nan_i)
{
    __shared__ float sv[ARGMAX_THREADS / 32];
    __shared__ int si[ARGMAX_THREADS / 32], sn[ARGMAX_THREADS / 32];
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
    if (threadIdx.x == 0)
        for (int w = 1; w < ARGMAX_THREADS / 32; w++) {
            argmax_take(bv, bi, sv[w], si[w]);
            nan_i = min(nan_i, sn[w]);
        }
}

__global__ void __launch_bounds__(ARGMAX_THREADS)
    chord_cuda_argmax_kernel(const float *__restrict__ x /* (n) */, int n,
                             int *__restrict__ out /* (CHORD_CUDA_ARGMAX_WORDS): answer (2), counter, partials */)
{
    __shared__ int last;
    int *count = out + 2, *part = out + 3; /* part: (gridDim.x, 3) value bits, index, first NaN */
    float bv = -INFINITY;
    int bi = INT_MAX, nan_i = INT_MAX;
    const int stride = gridDim.x * ARGMAX_THREADS;
#pragma unroll 8
    for (int i = blockIdx.x * ARGMAX_THREADS + threadIdx.x; i < n; i += stride) {
        const float v = x[i];
        if (isnan(v))
            nan_i = min(nan_i, i);
        else
            argmax_take(bv, bi, v, i);
    }
    argmax_block(bv, bi, nan_i);
    if (threadIdx.x == 0) {
        part[3 * blockIdx.x] = __float_as_int(bv);
        part[3 * blockIdx.x + 1] = bi;
        part[3 * blockIdx.x + 2] = nan_i;
        __threadfence(); /* the partials are visible before the count says so */
        last = atomicAdd(count, 1) == (int)gridDim.x - 1;
    }
    __syncthreads();
    if (!last)
        return;
    __threadfence();
    bv = -INFINITY, bi = INT_MAX, nan_i = INT_MAX;
    for (int b = threadIdx.x; b < (int)gridDim.x; b += ARGMAX_THREADS) { /* from L2: other blocks wrote them */
        argmax_take(bv, bi, __int_as_float(__ldcg(part + 3 * b)), __ldcg(part + 3 * b + 1));
        nan_i = min(nan_i, __ldcg(part + 3 * b + 2));
    }
    argmax_block(bv, bi, nan_i);
    if (threadIdx.x == 0) {
        out[0] = bi == INT_MAX ? 0 : bi; /* every value NaN: the NaN report below decides */
        out[1] = nan_i == INT_MAX ? -1 : nan_i;
        *count = 0; /* for the next call, which stream order puts after this one */
    }
}

extern "C" chord_status chord_cuda_argmax_launch(cudaStream_t stream, const float *x, int n, int *out)
{
    chord_cuda_argmax_kernel<<<CHORD_CUDA_ARGMAX_BLOCKS, ARGMAX_THREADS, 0, stream>>>(x, n, out);
    CHORD_CUDA_CHECK_LAUNCH("chord_cuda_argmax_kernel");
    return CHORD_OK;
}
