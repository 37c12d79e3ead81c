/* v6, the SIMT GEMV over the split layouts (q4_0_split, q4_1_split, q8_0_split; kernels/common/types.h), as one
 * kernel template over v4's row policy (cuda_gemv_rows.cuh: rows(group, wr[4]), store(group, lane, s[4])), so
 * matmul and the fused decode ops (matmul_qkv, matmul_swiglu, matmul_add and the rmsnorm_ ones) share it. The
 * reasoning and figures are in kernels/matmul/cuda.cu's header (v5, v6); v7 (cuda_gemv_tc.cuh) is the default on
 * the 4-bit split types, so v6 is q8_0_split's kernel (and the 4-bit ones' with CHORD_CUDA_SPLIT_KERNEL=simt).
 *
 * A warp takes 4 rows, 8 lanes per row: per super-block (256 values) lane j of a row issues one 16-byte load of
 * its quants (q8: two), one of the 8 scales (q4_1: two), and 8 float4 loads of X that the 8 lanes of a row take
 * side by side (128 contiguous bytes) and the 4 rows share. Slot u of U is reloaded with super-block i + U as soon
 * as i is used (a rolling prefetch), the first U before the kernel waits for its predecessor. Each 4-value dot
 * is v4's (mm_dot_bytes). With a norm (mm_norm), X is normalized as it is read: rmsnorm's float expression. */
#ifndef CHORD_CUDA_GEMV_SPLIT_CUH
#define CHORD_CUDA_GEMV_SPLIT_CUH

#include "cuda_dot.cuh"
#include "cuda_gemv_rows.cuh" /* mm_pick4 */
#include "cuda_gemv_tc.cuh"   /* mm_word, mm_half, mm_norm */

template <typename Q> struct mm_split {
    static constexpr bool ON = false;
};
/* One super-block's loads for lane j: its QW 16-byte quant chunks and the NS 16-byte scale runs, streaming
 * (__ldcs: each weight byte is read once; L1 stays for X). */
template <int QW, int NS, int SOFF>
__device__ __forceinline__ void mm_split_load(uint4 *q, uint4 *sc, const uint8_t *p, int j)
{
#pragma unroll
    for (int i = 0; i < QW; i++)
        q[i] = __ldcs((const uint4 *)(p + 16 * (QW * j + i)));
#pragma unroll
    for (int i = 0; i < NS; i++)
        sc[i] = __ldcs((const uint4 *)(p + SOFF + 16 * i));
}
#define MM_SPLIT_LOAD                                                                         \
    static __device__ __forceinline__ void load(uint4 *q, uint4 *sc, const uint8_t *p, int j) \
    {                                                                                         \
        mm_split_load<QW, NS, SOFF>(q, sc, p, j);                                             \
    }
/* The dots read X through xr(o): the float4 at offset o of this lane's values of the super-block */
template <> struct mm_split<chord_cu_q4_0_split> {
    static constexpr bool ON = true;
    static constexpr int QW = 1, NS = 1, SOFF = 128; /* 16-byte quant loads per lane, scale loads, scales' offset */
    MM_SPLIT_LOAD
    template <typename XR>
    static __device__ __forceinline__ float dot(const uint4 *q, const uint4 *s, const XR &xr, float acc)
    {
#pragma unroll
        for (int w = 0; w < 4; w++) { /* word w: block 2w's values in the low nibbles, 2w + 1's in the high */
            const uint32_t qw = mm_word(q[0], w), sw = mm_word(s[0], w);
            const float4 x0 = xr(64 * w), x1 = xr(64 * w + 32);
            acc = fmaf(mm_half(sw, 0), mm_dot_bytes(qw & 0x0f0f0f0fu, 8388616.0f, x0), acc); /* 2^23 + 8 */
            acc = fmaf(mm_half(sw, 1), mm_dot_bytes(qw >> 4 & 0x0f0f0f0fu, 8388616.0f, x1), acc);
        }
        return acc;
    }
};
template <> struct mm_split<chord_cu_q4_1_split> {
    static constexpr bool ON = true;
    static constexpr int QW = 1, NS = 2, SOFF = 128;
    MM_SPLIT_LOAD
    template <typename XR>
    static __device__ __forceinline__ float dot(const uint4 *q, const uint4 *s, const XR &xr, float acc)
    {
#pragma unroll
        for (int w = 0; w < 4; w++) {
            const uint32_t qw = mm_word(q[0], w), dw = mm_word(s[0], w), mw = mm_word(s[1], w);
#pragma unroll
            for (int h = 0; h < 2; h++) {
                const float4 xv = xr(64 * w + 32 * h);
                const float xsum = (xv.x + xv.y) + (xv.z + xv.w);
                acc = fmaf(mm_half(dw, h), mm_dot_bytes(qw >> 4 * h & 0x0f0f0f0fu, 8388608.0f, xv), acc);
                acc = fmaf(mm_half(mw, h), xsum, acc);
            }
        }
        return acc;
    }
};
template <> struct mm_split<chord_cu_q8_0_split> {
    static constexpr bool ON = true;
    static constexpr int QW = 2, NS = 1, SOFF = 256;
    MM_SPLIT_LOAD
    template <typename XR>
    static __device__ __forceinline__ float dot(const uint4 *q, const uint4 *s, const XR &xr, float acc)
    {
#pragma unroll
        for (int g = 0; g < 8; g++) { /* word g: block g's 4 int8, each made q + 128 by flipping its sign bit */
            const float4 xv = xr(32 * g);
            const uint32_t qw = mm_word(q[g >> 2], g & 3) ^ 0x80808080u;
            acc = fmaf(mm_half(mm_word(s[0], g >> 1), g & 1), mm_dot_bytes(qw, 8388736.0f, xv), acc); /* 2^23 + 128 */
        }
        return acc;
    }
};

/* X as the dots read it: the super-block's values from element e on, normalized (NORM) or as they are */
template <bool NORM> struct mm_split_x {
    const float *x, *g; /* (k) X, the norm's weight (NORM only) */
    float inv;
    int e;
    __device__ __forceinline__ float4 operator()(int o) const
    {
        const float4 v = *(const float4 *)(x + e + o);
        return NORM ? mm_norm_apply(v, g, e + o, inv) : v;
    }
};

#define MM_SPLIT_WARPS 8

template <typename Q, int U, bool NORM, typename P>
__global__ void __launch_bounds__(MM_SPLIT_WARPS * 32)
    mm_split_gemv(P pol, const float *__restrict__ x /* (k), 16-aligned */, int n_sb /* k / 256 */,
                  int ks /* warps sharing one row group's super-blocks (1, 2, 4 or 8) */,
                  mm_norm norm /* X's RMSNorm (NORM: g 16-aligned) */)
{
    using S = mm_split<Q>;
    __shared__ float part[MM_SPLIT_WARPS][4]; /* each warp's 4 row sums, when ks > 1 */
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, slice = warp % ks;
    const int group = blockIdx.x * (MM_SPLIT_WARPS / ks) + warp / ks, j = lane & 7;
    const uint8_t *wr[4];
    pol.rows(group, wr);
    const int count = slice < n_sb ? (n_sb - 1 - slice) / ks + 1 : 0; /* this warp's super-blocks */
    const size_t step = (size_t)ks * Q::BYTES;
    /* this lane's row, picked by two selects (an indexed wr would live on the stack) */
    const uint8_t *lo = lane & 8 ? wr[1] : wr[0], *hi = lane & 8 ? wr[3] : wr[2], *mine = lane & 16 ? hi : lo;
    const uint8_t *p = mine + (size_t)slice * Q::BYTES; /* the next super-block to load */
    float acc = 0.0f;
    uint4 q[U][S::QW], sc[U][S::NS];
#pragma unroll
    for (int u = 0; u < U; u++, p += step)
        if (u < count)
            S::load(q[u], sc[u], p, j);
    chord_cu_pdl_begin(); /* the weights are in flight; X is the predecessor's output */
    mm_split_x<NORM> xr = {x, norm.g, 1.0f, 256 * slice + 4 * j}; /* X of the next super-block to use */
    if (NORM)
        xr.inv = mm_norm_inv(x, 256 * n_sb, norm.eps);
    for (int i0 = 0; i0 < count; i0 += U) {
#pragma unroll
        for (int u = 0; u < U; u++) {
            if (i0 + u < count) { /* warp-uniform */
                acc = S::dot(q[u], sc[u], xr, acc);
                xr.e += 256 * ks;
                if (i0 + u + U < count)
                    S::load(q[u], sc[u], p, j);
                p += step;
            }
        }
    }
#pragma unroll
    for (int o = 1; o < 8; o <<= 1) /* the 8 lanes of a row */
        acc += __shfl_xor_sync(0xffffffffu, acc, o);
    float s[4]; /* every lane: the 4 rows' sums, as v4's store takes them */
#pragma unroll
    for (int r = 0; r < 4; r++)
        s[r] = __shfl_sync(0xffffffffu, acc, 8 * r);
    if (ks == 1) { /* uniform over the block */
        pol.store(group, lane, s);
        return;
    }
    if (lane == 0)
#pragma unroll
        for (int r = 0; r < 4; r++)
            part[warp][r] = s[r];
    __syncthreads();
    if (slice == 0) { /* the group's first warp adds its ks slices in order */
#pragma unroll
        for (int r = 0; r < 4; r++) {
            s[r] = 0.0f;
            for (int t = 0; t < ks; t++)
                s[r] += part[warp + t][r];
        }
        pol.store(group, lane, s);
    }
}

/* matmul's groups: rows 4 group .. 4 group + 3 of one W into Y */
struct mm_groups_plain {
    const uint8_t *w; /* (n, k) of the split type, row_bytes per row, 16-aligned */
    size_t row_bytes;
    float *y; /* (n) */
    int n, n_groups;
    __device__ __forceinline__ void rows(int group, const uint8_t *wr[4]) const
    {
#pragma unroll
        for (int r = 0; r < 4; r++) /* rows past n repeat row n - 1: computed, never stored */
            wr[r] = w + (size_t)min(4 * group + r, n - 1) * row_bytes;
    }
    __device__ __forceinline__ void store(int group, int lane, const float s[4]) const
    {
        if (lane < 4 && 4 * group + lane < n)
            y[4 * group + lane] = mm_pick4(s, lane);
    }
};

/* v6's tunables, read once (A/B runs): CHORD_CUDA_SPLIT_UNROLL = 1|2|4|8 super-blocks in flight per warp (default
 * 2, measured best: cuda.cu's header) and CHORD_CUDA_SPLIT_WARPS = warps per SM its k split aims for (48) */
static inline void mm_split_tune(int *unroll, int *target_warps)
{
    static int u = 0, target = 0;
    if (!u) {
        int dev = 0, sms = 132;
        if (cudaGetDevice(&dev) != cudaSuccess ||
            cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess)
            sms = 132;
        (void)cudaGetLastError();
        const char *e = getenv("CHORD_CUDA_SPLIT_WARPS");
        const int w = e ? atoi(e) : 48;
        target = sms * (w >= 1 && w <= 64 ? w : 48);
        e = getenv("CHORD_CUDA_SPLIT_UNROLL");
        const int v = e ? atoi(e) : 2;
        u = v == 1 || v == 2 || v == 4 || v == 8 ? v : 2;
    }
    *unroll = u, *target_warps = target;
}

template <typename Q, int U, bool NORM, typename P>
static chord_status mm_split_launch_u(const char *name, const P &pol, const float *x, int n_sb, int target_warps,
                                      cudaStream_t stream, mm_norm norm)
{
    int ks = 1; /* k split while the row groups alone fall short of the target, each slice keeping >= 2 super-blocks */
    while (ks < MM_SPLIT_WARPS && (long long)pol.n_groups * ks < target_warps && n_sb >= 4 * ks)
        ks *= 2;
    const int groups_per_block = MM_SPLIT_WARPS / ks;
    CHORD_CU_LAUNCH(name, mm_split_gemv<Q, U, NORM, P>,
                    (unsigned)((pol.n_groups + groups_per_block - 1) / groups_per_block), MM_SPLIT_WARPS * 32, 0,
                    stream, pol, x, n_sb, ks, norm);
    return CHORD_OK;
}

/* v6's launch over policy pol (its n_groups set), k a multiple of 256, X (and norm.g when set) 16-aligned;
 * MAY_NORM false for callers that never normalize (no normalizing kernels built for them) */
template <typename Q, typename P, bool MAY_NORM = true>
static chord_status mm_split_launch(const char *name, const P &pol, const float *x, int k, cudaStream_t stream,
                                    mm_norm norm = mm_norm{NULL, 0.0f})
{
    if (pol.n_groups == 0)
        return CHORD_OK;
    int u = 2, target = 0;
    mm_split_tune(&u, &target);
    const int n_sb = k / 256;
    if constexpr (MAY_NORM) {
        if (norm.g) /* the tuned depth's default only: one normalizing kernel per policy */
            return mm_split_launch_u<Q, 2, true, P>(name, pol, x, n_sb, target, stream, norm);
    }
    switch (u) {
    case 1: return mm_split_launch_u<Q, 1, false, P>(name, pol, x, n_sb, target, stream, norm);
    case 4: return mm_split_launch_u<Q, 4, false, P>(name, pol, x, n_sb, target, stream, norm);
    case 8: return mm_split_launch_u<Q, 8, false, P>(name, pol, x, n_sb, target, stream, norm);
    default: return mm_split_launch_u<Q, 2, false, P>(name, pol, x, n_sb, target, stream, norm);
    }
}

#endif
