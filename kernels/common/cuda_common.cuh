/* What every kernels/<op>/cuda.cu shares: the launch check, f16/bf16 decode, warp and block
 * reductions, and alignment helpers. Block layouts come from types.h (via cuda_launch.h), the one truth;
 * the sizes are asserted again here so a CUDA-side packing surprise fails the build. */
#ifndef CHORD_CUDA_COMMON_CUH
#define CHORD_CUDA_COMMON_CUH

#include <cuda_fp16.h>
#include <stdint.h>

#include "cuda_launch.h"

static_assert(sizeof(chord_block_q4_0) == 18, "q4_0 block is 18 bytes in CUDA too");
static_assert(sizeof(chord_block_q4_1) == 20, "q4_1 block is 20 bytes in CUDA too");
static_assert(sizeof(chord_block_q5_0) == 22, "q5_0 block is 22 bytes in CUDA too");
static_assert(sizeof(chord_block_q5_1) == 24, "q5_1 block is 24 bytes in CUDA too");
static_assert(sizeof(chord_block_q8_0) == 34, "q8_0 block is 34 bytes in CUDA too");
static_assert(sizeof(chord_block_q4_K) == 144, "q4_K block is 144 bytes in CUDA too");
static_assert(sizeof(chord_block_q5_K) == 176, "q5_K block is 176 bytes in CUDA too");
static_assert(sizeof(chord_block_q6_K) == 210, "q6_K block is 210 bytes in CUDA too");

/* After every launch: a bad configuration (too many threads, too much shared memory) shows up here,
 * named by the kernel, instead of as a mysterious failure at the next sync. */
#define CHORD_CUDA_CHECK_LAUNCH(kernel_name)                                                                          \
    do {                                                                                                              \
        cudaError_t chord_cu_e_ = cudaGetLastError();                                                                 \
        if (chord_cu_e_ != cudaSuccess)                                                                               \
            return chord_fail(CHORD_ERR_DEVICE, "cuda: launch of %s failed at %s:%d: %s (%s)", kernel_name, __FILE__, \
                              __LINE__, cudaGetErrorName(chord_cu_e_), cudaGetErrorString(chord_cu_e_));              \
    } while (0)

static inline bool chord_cuda_aligned(const void *p, size_t align) { return ((uintptr_t)p & (align - 1)) == 0; }

/* Threads for a row-per-block kernel that handles `units` items per row: a multiple of 32 in [32, 1024]. */
static inline int chord_cuda_row_threads(long long units)
{
    long long t = (units + 31) / 32 * 32;
    return (int)(t < 32 ? 32 : t > 1024 ? 1024 : t);
}

/* Blocks for a grid-stride kernel over `items`: enough to fill an H100 many times over, capped so the
 * grid stays legal; the kernels loop over whatever is left. */
static inline unsigned chord_cuda_grid(long long items, int threads)
{
    long long b = (items + threads - 1) / threads;
    return (unsigned)(b < 1 ? 1 : b > (1LL << 20) ? (1LL << 20) : b);
}

/* Exact f16 -> f32 (hardware conversion; subnormals kept). p must be 2-aligned. */
__device__ __forceinline__ float chord_cu_ld_f16(const uint8_t *p)
{
    return __half2float(__ushort_as_half(*(const unsigned short *)p));
}

__device__ __forceinline__ float chord_cu_ld_bf16(const uint8_t *p)
{
    return __uint_as_float((unsigned)*(const unsigned short *)p << 16);
}

__device__ __forceinline__ float chord_warp_sum(float v)
{
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ double chord_warp_sum_d(double v)
{
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

/* Sum over the block, returned to every thread. blockDim.x must be a multiple of 32 and every
 * thread must call it. The leading barrier lets a block call it twice with the same `sh`. */
__device__ __forceinline__ double chord_block_sum_d(double v, double *sh /* [32] */)
{
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, n_warps = blockDim.x >> 5;
    v = chord_warp_sum_d(v);
    __syncthreads();
    if (lane == 0)
        sh[warp] = v;
    __syncthreads();
    v = lane < n_warps ? sh[lane] : 0.0;
    return chord_warp_sum_d(v);
}

#endif
