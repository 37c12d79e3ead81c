/* dequant, CUDA: GGUF blocks -> f32, bit-exact with kernels/dequant/ref.c.
 *
 * Versions, with the H100 figures measured for each (expectations from the access pattern):
 *   v1 one thread per 4 consecutive outputs, decoded by common/cuda_quant.cuh, written as one
 *      float4 when DST is 16-aligned (else 4 scalar stores), grid-stride. A warp writes 512 contiguous
 *      bytes per step, fully coalesced; the block bytes it reads (2-aligned, so byte/half loads) are
 *      shared by 8 (32-value formats) or 64 (k-quants) neighbouring threads and come from L1.
 *      Expected: bound by the f32 write stream, >= 80% of copy bandwidth for the 32-value formats.
 *      f32 -> f32 is a cudaMemcpyAsync (a D2D copy is the ceiling anyway).
 *   v2 (this) the same, with each thread's 4 quant bytes read as one 32-bit word from two half loads
 *      (common/cuda_quant.cuh) instead of 4 byte loads: q4_0 goes from 5 to 3 load instructions per
 *      16 output bytes, q6_K from 10 to 5. Expected to matter only if v1 was instruction-bound on the
 *      k-quants; ptxas (sm_90): 20-32 registers, no spills.
 *      H100 (run 2ced065576bb, % of the 256 MiB copy): 16M values (64 MiB out) q4_0 77.3, q4_1 78.0, q8_0
 *      79.4, f16 83.9, bf16 84.1, q6_K 81.6; 64M q4_0 95.6. The 16M shortfall was the timer's: CUDA's start
 *      event went down before the host had enqueued the launch, so ~3 us of host time counted as device
 *      time (runtime/cuda_hold.cu now holds the stream). Timed right (run 8388b9f320f5-dirty, the ceiling
 *      2980 GB/s): 16M q4_0 85.1, q4_1 85.3, q8_0 86.5, f16 90.0, bf16 89.5, q6_K 84.3; 64M q4_0 94.8.
 *   v3 (tried, reverted) 4 groups per thread decoded before any store, grid a quarter the size (the rope
 *      kernel's remedy): worse everywhere (run 4811a142bff5: q4_0 16M 75.7, q6_K 16M 76.3, q4_0 64M 90.2),
 *      so v2 stays.
 *   Not tried: a warp per block with shared-memory staging (would help the k-quants' scattered reads
 *      if v1 falls short on q6_K). */
#include "../common/cuda_quant.cuh"
#include "dequant.h"

template <typename Q>
__global__ void __launch_bounds__(256) dequant_kernel(const uint8_t *__restrict__ src /* n values of Q */,
                                                      float *__restrict__ dst /* (n) */, int64_t n, int dst_vec)
{
    chord_cu_pdl_begin(); /* the predecessor's outputs are this kernel's inputs */
    const int64_t stride = (int64_t)gridDim.x * blockDim.x;
    const int64_t tid = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    const int64_t n4 = n >> 2;
    for (int64_t g = tid; g < n4; g += stride) {
        float v[4];
        Q::get4(src, 4 * g, v);
        if (dst_vec) {
            *(float4 *)(dst + 4 * g) = make_float4(v[0], v[1], v[2], v[3]);
        } else {
            dst[4 * g + 0] = v[0];
            dst[4 * g + 1] = v[1];
            dst[4 * g + 2] = v[2];
            dst[4 * g + 3] = v[3];
        }
    }
    /* at most 3 values left, only for the 1-value types */
    for (int64_t e = 4 * n4 + tid; e < n; e += stride)
        dst[e] = Q::get1(src, e);
}

template <typename Q> static chord_status launch_dequant(const void *src, float *dst, int64_t n, cudaStream_t stream)
{
    const int threads = 256;
    const int dst_vec = chord_cuda_aligned(dst, 16);
    CHORD_CU_LAUNCH("dequant_kernel", dequant_kernel<Q>, chord_cuda_grid((n + 3) / 4, threads), threads, 0, stream,
                    (const uint8_t *)src, dst, n, dst_vec);
    return CHORD_OK;
}

extern "C" int chord_dequant_cuda_supported(chord_type type)
{
    switch (type) {
#define DQ_YES(Q) return 1;
        CHORD_CU_TYPE_CASES(DQ_YES)
#undef DQ_YES
    default: return 0;
    }
}

extern "C" chord_status chord_dequant_cuda(void *ctx, const chord_tensor *tensors, const void *args)
{
    const chord_dequant_args *a = (const chord_dequant_args *)args;
    const chord_type_traits *t = chord_type_info(a->type);
    if (!chord_dequant_cuda_supported(a->type))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda dequant: type %d (%s) has no CUDA decoder", (int)a->type,
                          t->name);
    if (!tensors) /* a support query */
        return CHORD_OK;
    const cudaStream_t stream = chord_cuda_stream(ctx);
    const void *src = chord_cuda_ptr(tensors[0]);
    float *dst = (float *)chord_cuda_ptr(tensors[1]);
    /* f32 reads 4-byte values, the others 2-byte halves */
    if (!chord_cuda_aligned(src, a->type == CHORD_TYPE_F32 ? 4 : 2) || !chord_cuda_aligned(dst, 4))
        return chord_fail(CHORD_ERR_INVALID, "cuda dequant: misaligned src %p or dst %p", src, (void *)dst);
    if (a->n == 0)
        return CHORD_OK;
    if (a->type == CHORD_TYPE_F32) {
        CHORD_CUDA_CHECK(cudaMemcpyAsync(dst, src, (size_t)a->n * sizeof(float), cudaMemcpyDeviceToDevice, stream));
        return CHORD_OK;
    }
    switch (a->type) {
#define DQ_CALL(Q) return launch_dequant<Q>(src, dst, a->n, stream);
        CHORD_CU_TYPE_CASES(DQ_CALL)
#undef DQ_CALL
    default: return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda dequant: type %s", t->name);
    }
}
