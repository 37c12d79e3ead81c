/* The 4-value dot products of the 32-value formats (matmul's v4, kernels/matmul/cuda.cu), shared with the fused
 * matmul_swiglu (kernels/matmul_swiglu/cuda.cu). Included after cuda_quant.cuh. */
#ifndef CHORD_MATMUL_CUDA_DOT_CUH
#define CHORD_MATMUL_CUDA_DOT_CUH

/* v4, m = 1: the 32-value formats whose value is affine in q (q4_0: d (q - 8), q4_1: d q + m, q8_0: d q) take
 * their 4-value dot products as d sum(q x) (+ m sum(x)) without forming each weight: a byte becomes the
 * float 2^23 + byte in one PRMT (exact), one FADD removes 2^23 and the offset, one FFMA takes x. ncu on v3
 * (q4_0 1x11008x4096): 13 instructions per weight, 61% of issue slots busy, 21% of DRAM bandwidth. */
__device__ __forceinline__ float mm_u8f(uint32_t w, int t) /* 2^23 + byte t of w */
{
    return __uint_as_float(__byte_perm(w, 0x4b000000u, 0x7540 + t));
}
template <typename Q> struct mm_dot {
    static constexpr bool FAST = false;
};
/* sum over the 4 bytes of q4 of (byte - off) * x, each byte first made 2^23 + byte */
__device__ __forceinline__ float mm_dot_bytes(uint32_t q4, float off, float4 x)
{
    float s = __fmul_rn(mm_u8f(q4, 0) - off, x.x);
    s = fmaf(mm_u8f(q4, 1) - off, x.y, s);
    s = fmaf(mm_u8f(q4, 2) - off, x.z, s);
    return fmaf(mm_u8f(q4, 3) - off, x.w, s);
}
template <> struct mm_dot<chord_cu_q4_0> {
    static constexpr bool FAST = true;
    static constexpr int UNROLL = 8; /* k steps in flight per warp: measured best (see the header) */
    static __device__ __forceinline__ float dot4(const uint8_t *row, int e, float4 x, float xsum, float acc)
    {
        const uint8_t *b = row + (size_t)(e >> 5) * 18;
        const int j = e & 31;
        const uint32_t q = chord_cu_ld_u32_a2(b + 2 + (j & 15)) >> (j & 16 ? 4 : 0) & 0x0f0f0f0fu;
        (void)xsum;
        return fmaf(chord_cu_ld_f16(b), mm_dot_bytes(q, 8388616.0f, x), acc); /* 2^23 + 8 */
    }
};
template <> struct mm_dot<chord_cu_q4_1> {
    static constexpr bool FAST = true;
    static constexpr int UNROLL = 8;
    static __device__ __forceinline__ float dot4(const uint8_t *row, int e, float4 x, float xsum, float acc)
    {
        const uint8_t *b = row + (size_t)(e >> 5) * 20;
        const int j = e & 31;
        const uint32_t q = chord_cu_ld_u32_a2(b + 4 + (j & 15)) >> (j & 16 ? 4 : 0) & 0x0f0f0f0fu;
        acc = fmaf(chord_cu_ld_f16(b), mm_dot_bytes(q, 8388608.0f, x), acc);
        return fmaf(chord_cu_ld_f16(b + 2), xsum, acc);
    }
};
template <> struct mm_dot<chord_cu_q8_0> {
    static constexpr bool FAST = true;
    static constexpr int UNROLL = 2;
    static __device__ __forceinline__ float dot4(const uint8_t *row, int e, float4 x, float xsum, float acc)
    {
        const uint8_t *b = row + (size_t)(e >> 5) * 34;
        /* int8 q + 128 as an unsigned byte: flip each sign bit */
        const uint32_t q = chord_cu_ld_u32_a2(b + 2 + (e & 31)) ^ 0x80808080u;
        (void)xsum;
        return fmaf(chord_cu_ld_f16(b), mm_dot_bytes(q, 8388736.0f, x), acc); /* 2^23 + 128 */
    }
};
static_assert(chord_cu_q4_0::BYTES == 18 && chord_cu_q4_1::BYTES == 20 && chord_cu_q8_0::BYTES == 34,
              "mm_dot's block layouts");

#endif
