/* The fragment maps of the tensor-core GEMV (v7 in kernels/matmul/cuda.cu) over the 4-bit split super-blocks
 * (kernels/common/types.h), kept apart so kernels/common/cuda_quant_hostcheck.cu can check them on the host
 * against the reference with an emulated mma (no GPU needed).
 *
 * mma.m16n8k16 (bf16 in, f32 accumulate) takes A = 16 weight rows x 16 k and B = 16 k x 8 columns, the columns
 * being X split exactly into three bf16 parts (x = hi + mid + lo: 8 + 8 + 8 significant bits, so every product
 * of a part with a 4-bit weight is exact and D[r][0] + D[r][1] + D[r][2] is the f32-accumulated dot product);
 * columns 3..7 are zero. Lane (g = lane / 4, t = lane % 4) holds A's rows g and g + 8 at k-slots 2t, 2t+1,
 * 2t+8, 2t+9 and B's column g at the same k-slots. Which value a k-slot stands for is ours to choose as long as
 * A and B agree: in step (group gg of a super-block, half h) the four slots of lane t are the 4 values of chunk
 * 2t + h (the split layout's "lane" chunk) in group gg, in the order t' = 0, 2, 1, 3; those are bytes 0 and 2,
 * then 1 and 3, of the chunk's word gg / 2, which one mask turns into a bf16 pair each. A block (32 values) is
 * the two steps h = 0, 1, so each block's partial D is scaled by its own d before it joins the sum. */
#ifndef CHORD_CUDA_SPLIT_TC_CUH
#define CHORD_CUDA_SPLIT_TC_CUH

#include <cuda_bf16.h>
#include <stdint.h>
#include <string.h>

/* bf16 pair (low half, high half) = 128 + the 4-bit values t' = (0, 2) (odd = 0) or (1, 3) (odd = 1) of group
 * parity gp (0: low nibbles, 1: high) of a chunk word. 128 + q is exact in bf16 (8 significant bits). */
__device__ __forceinline__ uint32_t mm_tc_nib_pair(uint32_t word, int gp, int odd)
{
#ifdef __CUDA_ARCH__ /* one LOP3 (a & mask) | magic: nvcc left alone splits it in two, both constants immediate */
    uint32_t r;
    asm("lop3.b32 %0, %1, 0x000f000f, %2, 0xea;" : "=r"(r) : "r"(word >> (4 * gp + 8 * odd)), "r"(0x43004300u));
    return r;
#else
    return (word >> (4 * gp + 8 * odd) & 0x000f000fu) | 0x43004300u;
#endif
}

/* A 128 + q bf16 pair minus the pair `off` (136 for q4_0: q - 8; 128 for q4_1: q), exact: small integers. */
__device__ __forceinline__ uint32_t mm_tc_sub(uint32_t v, uint32_t off)
{
#ifdef __CUDA_ARCH__
    __nv_bfloat162 a, b;
    memcpy(&a, &v, 4);
    memcpy(&b, &off, 4);
    const __nv_bfloat162 r = __hsub2(a, b);
    uint32_t u;
    memcpy(&u, &r, 4);
    return u;
#else /* both halves are small integers, so the f32 difference converts back exactly */
    uint32_t out = 0;
    for (int i = 0; i < 2; i++) {
        const uint32_t x = (v >> 16 * i & 0xffffu) << 16, y = (off >> 16 * i & 0xffffu) << 16;
        float fx, fy;
        memcpy(&fx, &x, 4);
        memcpy(&fy, &y, 4);
        const float d = fx - fy;
        uint32_t u;
        memcpy(&u, &d, 4);
        out |= (u >> 16) << 16 * i;
    }
    return out;
#endif
}

/* The exact three-way bf16 split of a pair (a, b): out[p] = (part p of a) | (part p of b) << 16 for p = 0 (hi), 1
 * (mid), 2 (lo). hi = bf16(x) rounded to nearest even, mid = bf16(x - hi), lo = x - hi - mid: each difference is
 * exact in f32 (a rounding error), x has 24 significant bits, so lo has at most 8 and x = hi + mid + lo. */
__device__ __forceinline__ void mm_tc_split_pair(float a, float b, uint32_t out[3])
{
#ifdef __CUDA_ARCH__
    float r[2] = {a, b};
#pragma unroll
    for (int p = 0; p < 3; p++) {
        const __nv_bfloat162 h = __floats2bfloat162_rn(r[0], r[1]); /* one F2FP for the pair */
        memcpy(&out[p], &h, 4);
        r[0] -= __uint_as_float(out[p] << 16);
        r[1] -= __uint_as_float(out[p] & 0xffff0000u);
    }
#else
    float r[2] = {a, b};
    for (int p = 0; p < 3; p++) {
        uint32_t h[2];
        for (int i = 0; i < 2; i++) {
            uint32_t u;
            memcpy(&u, &r[i], 4);
            h[i] = (u + 0x7fffu + (u >> 16 & 1u)) >> 16; /* nearest even, finite values */
            const uint32_t back = h[i] << 16;
            float f;
            memcpy(&f, &back, 4);
            r[i] -= f;
        }
        out[p] = h[0] | h[1] << 16;
    }
#endif
}

/* The B fragments of the three parts for the 4 values x[0..3] (t' = 0..3) of one chunk and group: (slots 2t,
 * 2t+1) = values (0, 2), (slots 2t+8, 2t+9) = values (1, 3). */
__device__ __forceinline__ void mm_tc_b_frags(const float xv[4], uint32_t b02[3], uint32_t b13[3])
{
    mm_tc_split_pair(xv[0], xv[2], b02);
    mm_tc_split_pair(xv[1], xv[3], b13);
}

/* Shared-memory index (in 8-byte B fragments) of step s = 2 gg + h, part p, lane column t, super-block sb. */
__device__ __forceinline__ int mm_tc_xb_index(int sb, int s, int p, int t)
{
    return ((sb * 16 + s) * 3 + p) * 4 + t;
}

#endif
