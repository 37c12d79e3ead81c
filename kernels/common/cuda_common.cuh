/* What every kernels/<op>/cuda.cu shares: the launch check, f16/bf16 decode, warp and block
 * reductions, and alignment helpers. Block layouts come from types.h (via cuda_launch.h), the one truth;
 * the sizes are asserted again here so a CUDA-side packing surprise fails the build. */
#ifndef CHORD_CUDA_COMMON_CUH
#define CHORD_CUDA_COMMON_CUH

#include <cuda_fp16.h>
#include <stdint.h>
#include <stdlib.h>

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

/* Programmatic dependent launch (sm_90). Inside a decode-step graph one kernel follows another with a gap of a few
 * microseconds: the next grid is only launched, its blocks placed and its first loads issued once the previous one
 * has drained. A kernel launched by chord_cu_launch while the stream is being captured may instead be placed while
 * its predecessor still runs; it must then call chord_cu_pdl_wait() before it touches any memory the predecessor
 * may write or read (griddepcontrol.wait returns once the predecessor has completed and its writes are visible;
 * without a programmatic predecessor it returns at once), and may load what nothing in the step writes (weights)
 * before that. chord_cu_pdl_release() lets the next kernel be placed: every kernel calls it right after its
 * wait, so at most two grids overlap, and the next one only once all of this grid's blocks have started. Kernels
 * launched outside a capture (single ops, the benchmarks' timed launches) keep plain stream order. */
__device__ __forceinline__ void chord_cu_pdl_wait()
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}
__device__ __forceinline__ void chord_cu_pdl_release()
{
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}
/* The start of a kernel with nothing to load before its inputs: wait for the predecessor, then let the next one
 * be placed. */
__device__ __forceinline__ void chord_cu_pdl_begin()
{
    chord_cu_pdl_wait();
    chord_cu_pdl_release();
}

/* A mat-vec's weights into L2 before chord_cu_pdl_wait: nothing in a step writes them, so the lines a warp will
 * read can be on their way while the predecessor finishes. 128-byte lines [p & ~127, end) with the stride a
 * warp's lanes share (first = the lane's first line, every `stride` lines). Used by v4 (matmul/cuda_gemv_rows.cuh):
 * measured on the H200, SmolLM2-shape q4_1 tg128 +19%; in v7, which already loads its first super-blocks into
 * registers before the wait, prefetching the rest cost the 1B q4_0 15% and the 7B 8%, so v7 does not. */
__device__ __forceinline__ void chord_cu_prefetch_l2(const void *p, size_t bytes, int first, int stride)
{
    const uintptr_t end = (uintptr_t)p + bytes;
    for (uintptr_t a = ((uintptr_t)p & ~(uintptr_t)127) + (uintptr_t)first * 128; a < end; a += (uintptr_t)stride * 128)
        asm volatile("prefetch.global.L2 [%0];" ::"l"(a));
}
/* CHORD_CUDA_L2_PREFETCH = 0 turns those prefetches off (A/B runs), read once; default on */
static inline int chord_cuda_l2_prefetch(void)
{
    static int on = -1;
    if (on < 0) {
        const char *e = getenv("CHORD_CUDA_L2_PREFETCH");
        on = !(e && e[0] == '0' && !e[1]);
    }
    return on;
}

/* kernel<<<grid, block, smem, stream>>>(args...), with programmatic dependent launch while the stream is being
 * captured (and chord_cuda_pdl_allowed()). The kernel must begin as chord_cu_pdl_wait describes. */
template <typename... P, typename... A>
static inline cudaError_t chord_cu_launch(void (*kernel)(P...), dim3 grid, dim3 block, size_t smem, cudaStream_t stream,
                                          A... args)
{
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    if (chord_cuda_pdl_allowed()) {
        const cudaError_t e = cudaStreamIsCapturing(stream, &capture);
        if (e != cudaSuccess)
            return e;
    }
    cudaLaunchAttribute attr[1];
    attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attr[0].val.programmaticStreamSerializationAllowed = 1;
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = grid;
    cfg.blockDim = block;
    cfg.dynamicSmemBytes = smem;
    cfg.stream = stream;
    cfg.attrs = attr;
    cfg.numAttrs = capture == cudaStreamCaptureStatusActive ? 1 : 0;
    return cudaLaunchKernelEx(&cfg, kernel, ((P)args)...);
}

/* chord_cu_launch and the launch check in one: returns CHORD_ERR_DEVICE from the enclosing function on failure. */
#define CHORD_CU_LAUNCH(kernel_name, ...)                                                                             \
    do {                                                                                                              \
        cudaError_t chord_cu_e_ = chord_cu_launch(__VA_ARGS__);                                                       \
        if (chord_cu_e_ == cudaSuccess)                                                                               \
            chord_cu_e_ = cudaGetLastError();                                                                         \
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
