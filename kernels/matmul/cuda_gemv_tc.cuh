/* v7, the tensor-core GEMV over the 4-bit split layouts (the reasoning and figures are in kernels/matmul/cuda.cu's
 * header), as one kernel template over a tile policy: which weight rows a 16-row tile multiplies and what its
 * epilogue stores. matmul's plain Y = W x (mm_tc_plain), matmul_swiglu's gate and up rows side by side with SwiGLU
 * in the store (kernels/matmul_swiglu/cuda.cu) and matmul_qkv's three projections with RoPE in the store
 * (kernels/matmul_qkv/cuda.cu) share the loads, the mma arithmetic and the split-k fix-up.
 *
 * A policy P has: int n_tiles; rows(tile, g, &pa, &pb): the rows of tile lane group g multiplies as A's rows g and
 * g + 8 (a tile past the end repeats a valid row: computed, never stored); store(tile, g, t, sum_a, sum_b): called
 * by every lane of one warp per tile (shuffles allowed), the complete f32 sums of rows g and g + 8 in the lanes
 * with t = 0. */
#ifndef CHORD_CUDA_GEMV_TC_CUH
#define CHORD_CUDA_GEMV_TC_CUH

#include <stdlib.h>
#include <string.h>

#include "../common/cuda_quant.cuh"
#include "cuda_split_tc.cuh"

__device__ __forceinline__ float mm_half(uint32_t w, int hi) /* f16 half `hi` of a word, exact */
{
    return __half2float(__ushort_as_half((unsigned short)(hi ? w >> 16 : w & 0xffffu)));
}
__device__ __forceinline__ uint32_t mm_word(const uint4 &v, int i)
{
    return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w;
}

/* v7, m = 1 on q4_0_split / q4_1_split with the tensor cores (cuda_split_tc.cuh has the fragment maps): a warp
 * takes 16 rows; per super-block lane (g, t) loads chunks 2t, 2t + 1 of rows g and g + 8 (4 x 16 bytes) and their
 * scale runs, turns each chunk word into bf16 pairs 128 + q (one mask and OR per pair, a shift for three of the
 * four) less the offset (one HSUB2 per pair) and issues 16 mma.m16n8k16 against X's three bf16 parts, whose B
 * fragments the block computes once into shared memory (prefetched weights in flight meanwhile). Each block of
 * 32 values is 2 mmas into a fresh accumulator, scaled by its d (q4_1: plus m times the block's X sum). */
template <typename Q> struct mm_tc {
    static constexpr bool ON = false;
};
template <> struct mm_tc<chord_cu_q4_0_split> {
    static constexpr bool ON = true, HAS_M = false;
    static constexpr uint32_t OFF = 0x43084308u; /* bf16 pair (136, 136) */
};
template <> struct mm_tc<chord_cu_q4_1_split> {
    static constexpr bool ON = true, HAS_M = true;
    static constexpr uint32_t OFF = 0x43004300u; /* (128, 128) */
};

__device__ __forceinline__ void mm_tc_mma(float c[4], const uint32_t a[4], uint2 b)
{
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b.x), "r"(b.y));
}

#define MM_TC_WARPS 8
#define MM_TC_XU 4 /* float4 of X each thread loads at once while the block splits X (mm_tc_split_x) */
/* one super-block's loads for lane (g, t): chunks 2t, 2t + 1 (32 contiguous bytes) of rows g and g + 8, and the
 * scale runs (d, then q4_1's m) of both rows */
struct mm_tc_regs {
    uint4 qa[2], qb[2], da, db, ma, mb;
};
template <bool HAS_M>
__device__ __forceinline__ void mm_tc_load(mm_tc_regs &r, const uint8_t *pa, const uint8_t *pb, int t)
{
    r.qa[0] = __ldcs((const uint4 *)(pa + 32 * t));
    r.qa[1] = __ldcs((const uint4 *)(pa + 32 * t + 16));
    r.qb[0] = __ldcs((const uint4 *)(pb + 32 * t));
    r.qb[1] = __ldcs((const uint4 *)(pb + 32 * t + 16));
    r.da = __ldcs((const uint4 *)(pa + 128));
    r.db = __ldcs((const uint4 *)(pb + 128));
    if (HAS_M) {
        r.ma = __ldcs((const uint4 *)(pa + 144));
        r.mb = __ldcs((const uint4 *)(pb + 144));
    }
}

/* The RMSNorm a fused op applies to X before its projections (kernels/rmsnorm_qkv, kernels/rmsnorm_swiglu): the
 * whole block sums X's squares (float per float4, double across, as rmsnorm's CUDA v2) and every X value is then
 * taken as x * inv * g, rmsnorm's float expression. Without it (g == NULL) X is taken as it is. */
struct mm_norm {
    const float *g; /* (k) the norm's weight, 16-aligned; NULL: no norm */
    float eps;
};
__device__ __forceinline__ float mm_norm_inv(const float *__restrict__ x /* (k) */, int k, float eps)
{
    __shared__ double sh[32];
    double ss = 0.0;
    for (int i = threadIdx.x; i < k / 4; i += blockDim.x) {
        const float4 v = ((const float4 *)x)[i];
        ss += (double)(v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w);
    }
    ss = chord_block_sum_d(ss, sh);
    return (float)(1.0 / sqrt(ss / k + (double)eps));
}
__device__ __forceinline__ float4 mm_norm_apply(float4 v, const float *g, int e, float inv)
{
    const float4 w = *(const float4 *)(g + e);
    return make_float4(v.x * inv * w.x, v.y * inv * w.y, v.z * inv * w.z, v.w * inv * w.w);
}

/* X's B fragments (one float4 per super-block, group and chunk) and q4_1's block sums (ascending), computed by the
 * whole block into shared memory; ends with a barrier after which every warp may read them. Returns 1, or with
 * NORM the norm's inv: then the fragments are of x * g and the caller scales its sums by inv (a linear map: Y =
 * inv (W (x g)) is Y = W (x inv g) but for f32 rounding), so X is read once, its squares summed in the same pass
 * (float per float4, double across, as rmsnorm's CUDA v2) and reduced in the barrier the fragments need anyway,
 * instead of a first pass for inv before the split. */
template <bool HAS_M, bool NORM = false>
__device__ __forceinline__ float
mm_tc_split_x(const float *__restrict__ x /* (n_sb * 256) */, uint2 *xb /* (n_sb, 16 steps, 3 parts, 4) */,
              float *xsum /* (n_sb, 8) */, int n_sb, mm_norm norm = mm_norm{NULL, 0.0f})
{
    /* float4 i of X is values 4 i .. 4 i + 3: super-block i / 64, group (i / 8) % 8, chunk i % 8. A thread takes
     * XU of them per round, their loads issued together: one L2 round trip per round, not per float4 (one at a
     * time, the k = 11008 down projection's blocks waited 11 round trips before their first product). */
    constexpr int XU = NORM ? MM_TC_XU / 2 : MM_TC_XU; /* NORM: g loaded beside X, registers kept near v7's own */
    const int n4 = n_sb * 64;
    const float4 *x4 = (const float4 *)x, *g4 = (const float4 *)norm.g;
    double ss = 0.0; /* NORM: this thread's part of X's sum of squares */
    for (int i0 = threadIdx.x; i0 < n4; i0 += XU * blockDim.x) {
        float4 v[XU], w[XU];
#pragma unroll
        for (int u = 0; u < XU; u++) {
            const int i = i0 + u * blockDim.x;
            if (i < n4) {
                v[u] = x4[i];
                if constexpr (NORM)
                    w[u] = g4[i];
            }
        }
#pragma unroll
        for (int u = 0; u < XU; u++) {
            const int i = i0 + u * blockDim.x;
            if (i >= n4)
                break;
            const int sb = i >> 6, gg = (i >> 3) & 7, c = i & 7;
            if constexpr (NORM) {
                ss += (double)(v[u].x * v[u].x + v[u].y * v[u].y + v[u].z * v[u].z + v[u].w * v[u].w);
                v[u] = make_float4(v[u].x * w[u].x, v[u].y * w[u].y, v[u].z * w[u].z, v[u].w * w[u].w);
            }
            const float xv[4] = {v[u].x, v[u].y, v[u].z, v[u].w};
            uint32_t b02[3], b13[3];
            mm_tc_b_frags(xv, b02, b13);
#pragma unroll
            for (int p = 0; p < 3; p++)
                xb[mm_tc_xb_index(sb, 2 * gg + (c & 1), p, c >> 1)] = make_uint2(b02[p], b13[p]);
        }
    }
    if (HAS_M)
        for (int i = threadIdx.x; i < n_sb * 8; i += blockDim.x) {
            float sum = 0.0f;
#pragma unroll
            for (int c = 0; c < 8; c++) {
                float4 e = *(const float4 *)(x + 32 * i + 4 * c);
                if constexpr (NORM) {
                    const float4 w = *(const float4 *)(norm.g + 32 * i + 4 * c);
                    e = make_float4(e.x * w.x, e.y * w.y, e.z * w.z, e.w * w.w);
                }
                sum += (e.x + e.y) + (e.z + e.w);
            }
            xsum[i] = sum;
        }
    if constexpr (NORM) {
        __shared__ double sh[32];
        ss = chord_block_sum_d(ss, sh); /* its barriers are the fragments' too */
        return (float)(1.0 / sqrt(ss / (n_sb * 256) + (double)norm.eps));
    }
    __syncthreads();
    return 1.0f;
}

/* One super-block sb of a 16-row tile for lane (g, t), r holding its quants and scale runs: 16 mmas against X's
 * parts, each block's D scaled by its d (q4_1: plus m times the block's X sum) into acc_a (row g), acc_b (g + 8). */
template <typename T>
__device__ __forceinline__ void mm_tc_superblock(const mm_tc_regs &r, const uint2 *xb, const float *xsum, int sb, int g,
                                                 int t, float &acc_a, float &acc_b)
{
    const uint2 *xf = xb + mm_tc_xb_index(sb, 0, g < 3 ? g : 0, t);
#pragma unroll
    for (int gg = 0; gg < 8; gg++) {
        float c[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll
        for (int h = 0; h < 2; h++) {
            const uint32_t wa = mm_word(r.qa[h], gg >> 1), wb = mm_word(r.qb[h], gg >> 1);
            const uint32_t a[4] = {
                mm_tc_sub(mm_tc_nib_pair(wa, gg & 1, 0), T::OFF), mm_tc_sub(mm_tc_nib_pair(wb, gg & 1, 0), T::OFF),
                mm_tc_sub(mm_tc_nib_pair(wa, gg & 1, 1), T::OFF), mm_tc_sub(mm_tc_nib_pair(wb, gg & 1, 1), T::OFF)};
            const uint2 b = g < 3 ? xf[(2 * gg + h) * 12] : make_uint2(0u, 0u);
            mm_tc_mma(c, a, b);
        }
        acc_a = fmaf(mm_half(mm_word(r.da, gg >> 1), gg & 1), c[0] + c[1], acc_a);
        acc_b = fmaf(mm_half(mm_word(r.db, gg >> 1), gg & 1), c[2] + c[3], acc_b);
        if (T::HAS_M && t == 0) {
            const float xs = xsum[sb * 8 + gg];
            acc_a = fmaf(mm_half(mm_word(r.ma, gg >> 1), gg & 1), xs, acc_a);
            acc_b = fmaf(mm_half(mm_word(r.mb, gg >> 1), gg & 1), xs, acc_b);
        }
    }
}


/* NORM a template argument, not a branch: the norm's registers and static shared memory would otherwise be every
 * instantiation's (a runtime branch took v7 from 99 to 128 registers at U = 2 and the synthetic 1B's decode from
 * 1346 to 1218 tok/s on the H200, 7B q4_0 443 -> 431) */
template <typename Q, int U, bool NORM, typename P>
__global__ void __launch_bounds__(MM_TC_WARPS * 32)
    mm_tc_gemv(P pol, const float *__restrict__ x /* (k), 16-aligned */, int n_sb /* k / 256 */,
               int ks /* warps sharing one 16-row tile's super-blocks */, mm_norm norm /* X's RMSNorm (NORM) */)
{
    using T = mm_tc<Q>;
    extern __shared__ uint2 xb[]; /* (n_sb, 16 steps, 3 parts, 4) B fragments, then q4_1's (n_sb, 8) block sums */
    __shared__ float part[MM_TC_WARPS][16];
    float *xsum = (float *)(xb + (size_t)n_sb * 16 * 12);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, slice = warp % ks;
    const int g = lane >> 2, t = lane & 3;
    const int tile = blockIdx.x * (MM_TC_WARPS / ks) + warp / ks;
    const int count = slice < n_sb ? (n_sb - 1 - slice) / ks + 1 : 0;
    const size_t step = (size_t)ks * Q::BYTES;
    const uint8_t *pa, *pb;
    pol.rows(tile, g, &pa, &pb);
    pa += (size_t)slice * Q::BYTES, pb += (size_t)slice * Q::BYTES;
    mm_tc_regs r[U];
#pragma unroll
    for (int u = 0; u < U; u++, pa += step, pb += step) /* in flight while X is split */
        if (u < count)
            mm_tc_load<T::HAS_M>(r[u], pa, pb, t);
    chord_cu_pdl_begin(); /* the weights are in flight; X is the predecessor's output */

    const float inv = mm_tc_split_x<T::HAS_M, NORM>(x, xb, xsum, n_sb, norm); /* NORM: the sums' scale */

    float acc_a = 0.0f, acc_b = 0.0f; /* rows g, g + 8: this lane's columns (t 0: hi, mid; t 1: lo) */
    int sb = slice;
    for (int i0 = 0; i0 < count; i0 += U) {
#pragma unroll
        for (int u = 0; u < U; u++) {
            if (i0 + u < count) { /* warp-uniform */
                mm_tc_superblock<T>(r[u], xb, xsum, sb, g, t, acc_a, acc_b);
                sb += ks;
                if (i0 + u + U < count)
                    mm_tc_load<T::HAS_M>(r[u], pa, pb, t);
                pa += step, pb += step;
            }
        }
    }
    /* the quad's columns: hi + mid (t = 0) + lo (t = 1); t = 2, 3 hold zeros */
#pragma unroll
    for (int o = 1; o < 4; o <<= 1) {
        acc_a += __shfl_xor_sync(0xffffffffu, acc_a, o);
        acc_b += __shfl_xor_sync(0xffffffffu, acc_b, o);
    }
    if constexpr (NORM) {
        acc_a *= inv;
        acc_b *= inv;
    }
    if (ks == 1) {
        pol.store(tile, g, t, acc_a, acc_b);
        return;
    }
    if (t == 0) {
        part[warp][g] = acc_a;
        part[warp][g + 8] = acc_b;
    }
    __syncthreads(); /* ks is uniform over the block */
    if (slice == 0) { /* the tile's first warp adds the slices in order, lane i < 16 row i, and hands them to the store */
        float sum = 0.0f;
        if (lane < 16)
            for (int s2 = 0; s2 < ks; s2++)
                sum += part[warp + s2][lane];
        const float sum_a = __shfl_sync(0xffffffffu, sum, g), sum_b = __shfl_sync(0xffffffffu, sum, g + 8);
        pol.store(tile, g, t, sum_a, sum_b);
    }
}

/* matmul's tiles: rows 16 tile .. 16 tile + 15 of one W into Y */
struct mm_tc_plain {
    const uint8_t *w; /* (n, k) of the split type, row_bytes per row, 16-aligned */
    size_t row_bytes;
    float *y; /* (n) */
    int n, n_tiles;
    __device__ __forceinline__ void rows(int tile, int g, const uint8_t **pa, const uint8_t **pb) const
    {
        *pa = w + (size_t)min(16 * tile + g, n - 1) * row_bytes;
        *pb = w + (size_t)min(16 * tile + g + 8, n - 1) * row_bytes;
    }
    __device__ __forceinline__ void store(int tile, int g, int t, float sum_a, float sum_b) const
    {
        const int ra = 16 * tile + g, rb = ra + 8;
        if (t == 0 && ra < n)
            y[ra] = sum_a;
        if (t == 0 && rb < n)
            y[rb] = sum_b;
    }
};

/* The dynamic shared memory one v7 instantiation may take, set once: the opt-in limit less its static shared
 * memory (the split-k sums, the norm's); -1 when the attributes cannot be read or set */
template <typename Q, int U, bool NORM, typename P> static int mm_tc_smem_limit(void)
{
    static int limit = -1;
    if (limit < 0) {
        int dev = 0, optin = 48 << 10;
        if (cudaGetDevice(&dev) != cudaSuccess ||
            cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev) != cudaSuccess)
            optin = 48 << 10;
        (void)cudaGetLastError();
        cudaFuncAttributes fa;
        if (cudaFuncGetAttributes(&fa, mm_tc_gemv<Q, U, NORM, P>) != cudaSuccess ||
            cudaFuncSetAttribute(mm_tc_gemv<Q, U, NORM, P>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 optin - (int)fa.sharedSizeBytes) != cudaSuccess)
            return -1;
        limit = optin - (int)fa.sharedSizeBytes;
    }
    return limit;
}

/* Super-blocks each warp keeps in flight (U; the first U are issued before the kernel waits for its predecessor):
 * CHORD_CUDA_TC_UNROLL = 1 | 2 | 4, or auto: as many as the warp has, up to 4 (count = its super-blocks), read
 * once. Default 1. */
static inline int mm_tc_unroll(int count)
{
    static int env = -1;
    if (env < 0) {
        const char *e = getenv("CHORD_CUDA_TC_UNROLL");
        const int v = e ? (strcmp(e, "auto") ? atoi(e) : 0) : 1;
        env = v == 0 || v == 1 || v == 2 || v == 4 ? v : 1;
    }
    if (env)
        return env;
    return count <= 1 ? 1 : count <= 2 ? 2 : 4;
}

/* The super-blocks each warp's slice keeps at least once k is split: CHORD_CUDA_TC_MIN_SB = 1 (default) | 2, read
 * once. Measured on the H200 (tg128, 2 -> 1): SmolLM2-shape q4_1 1123 -> 1222 tok/s (its 576 x 1536 down
 * projection: 36 tiles, ks 2 -> 4), 1B q4_0 1357 -> 1381, 7B q4_0 450 -> 445 (noise). */
static inline int mm_tc_min_slice(void)
{
    static int sb = 0;
    if (!sb) {
        const char *e = getenv("CHORD_CUDA_TC_MIN_SB");
        sb = e && !strcmp(e, "2") ? 2 : 1;
    }
    return sb;
}

template <typename Q, int U, bool NORM, typename P>
static chord_status mm_tc_launch_u(const char *name, const P &pol, const float *x, int n_sb, int ks, size_t smem,
                                   cudaStream_t stream, mm_norm norm)
{
    if (mm_tc_smem_limit<Q, U, NORM, P>() < 0) {
        const cudaError_t e = cudaGetLastError();
        return chord_fail(CHORD_ERR_DEVICE, "cuda: %s: setting its shared memory limit failed: %s", name,
                          cudaGetErrorString(e));
    }
    const int tiles_per_block = MM_TC_WARPS / ks;
    CHORD_CU_LAUNCH(name, mm_tc_gemv<Q, U, NORM, P>, (unsigned)((pol.n_tiles + tiles_per_block - 1) / tiles_per_block),
                    MM_TC_WARPS * 32, smem, stream, pol, x, n_sb, ks, norm);
    return CHORD_OK;
}

/* v7's launch over policy pol (its n_tiles set); *ran = 0 when X's fragments would not fit in shared memory
 * (k > ~36000): the caller takes another kernel. ks: k split while the tiles fall short of target_warps, each slice
 * keeping >= mm_tc_min_slice() super-blocks; U by mm_tc_unroll. */
template <typename Q, bool NORM, typename P>
static chord_status mm_tc_launch_n(const char *name, const P &pol, const float *x, int k, int target_warps, int *ran,
                                   cudaStream_t stream, mm_norm norm)
{
    const int n_sb = k / 256;
    const size_t smem =
        (size_t)n_sb * 16 * 12 * sizeof(uint2) + (mm_tc<Q>::HAS_M ? (size_t)n_sb * 8 * sizeof(float) : 0);
    const int limit = mm_tc_smem_limit<Q, 1, NORM, P>(); /* the static part is U's too: the same for every U */
    if (limit < 0) {
        const cudaError_t e = cudaGetLastError();
        return chord_fail(CHORD_ERR_DEVICE, "cuda: %s: setting its shared memory limit failed: %s", name,
                          cudaGetErrorString(e));
    }
    *ran = smem <= (size_t)limit;
    if (!*ran || pol.n_tiles == 0)
        return CHORD_OK;
    int ks = 1;
    const int min_sb = mm_tc_min_slice();
    while (ks < MM_TC_WARPS && (long long)pol.n_tiles * ks < target_warps && n_sb >= min_sb * 2 * ks)
        ks *= 2;
    switch (mm_tc_unroll((n_sb + ks - 1) / ks)) {
    case 4: return mm_tc_launch_u<Q, 4, NORM, P>(name, pol, x, n_sb, ks, smem, stream, norm);
    case 2: return mm_tc_launch_u<Q, 2, NORM, P>(name, pol, x, n_sb, ks, smem, stream, norm);
    default: return mm_tc_launch_u<Q, 1, NORM, P>(name, pol, x, n_sb, ks, smem, stream, norm);
    }
}
template <typename Q, typename P>
static chord_status mm_tc_launch(const char *name, const P &pol, const float *x, int k, int target_warps, int *ran,
                                 cudaStream_t stream, mm_norm norm = mm_norm{NULL, 0.0f})
{
    return norm.g ? mm_tc_launch_n<Q, true, P>(name, pol, x, k, target_warps, ran, stream, norm)
                  : mm_tc_launch_n<Q, false, P>(name, pol, x, k, target_warps, ran, stream, norm);
}

/* The kernel a fused mat-vec runs on a weight type */
enum mm_fused_kernel {
    MM_FUSED_ROWS,  /* v4 (cuda_gemv_rows.cuh) on the GGUF layouts of q4_0, q4_1, q8_0: W 2-aligned */
    MM_FUSED_TC,    /* v7 (this file) on q4_0_split, q4_1_split: W and X 16-aligned */
    MM_FUSED_SPLIT, /* v6 (cuda_gemv_split.cuh) on q8_0_split: W and X 16-aligned */
};

/* The decode shapes and types the fused mat-vecs (matmul_qkv, matmul_swiglu, matmul_add and the rmsnorm_ ones) take:
 * m = 1 on the GGUF layouts of q4_0, q4_1, q8_0, on the split q4_0, q4_1 (X's fragments in shared memory: k <=
 * 32768) or on the split q8_0. CHORD_OK with *kernel set, else CHORD_ERR_UNSUPPORTED saying why. */
static inline chord_status mm_fused_supports(const char *op, int m, chord_type wtype, int k, mm_fused_kernel *kernel)
{
    const chord_type_traits *ti = chord_type_info(wtype);
    if (m != 1)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda %s: m = %d (only m = 1, a decode step)", op, m);
    switch (wtype) {
    case CHORD_TYPE_Q4_0:
    case CHORD_TYPE_Q4_1:
    case CHORD_TYPE_Q8_0: *kernel = MM_FUSED_ROWS; return CHORD_OK;
    case CHORD_TYPE_Q8_0_SPLIT: *kernel = MM_FUSED_SPLIT; return CHORD_OK;
    case CHORD_TYPE_Q4_0_SPLIT:
    case CHORD_TYPE_Q4_1_SPLIT:
        *kernel = MM_FUSED_TC;
        if (k > 32 * 1024) /* X's fragments in shared memory: 24 KiB per 4096 of k */
            return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda %s: k = %d on a split 4-bit type (at most 32768)", op, k);
        return CHORD_OK;
    default:
        return chord_fail(CHORD_ERR_UNSUPPORTED,
                          "cuda %s: weight type %s (q4_0, q4_1, q8_0 and their split layouts only)", op,
                          ti ? ti->name : "?");
    }
}

/* The warps per SM v7 aims for (CHORD_CUDA_TC_WARPS, default 16: measured best, cuda.cu's header) times the SMs */
static inline int mm_tc_target_warps(void)
{
    static int target = 0;
    if (!target) {
        int dev = 0, sms = 132;
        if (cudaGetDevice(&dev) != cudaSuccess ||
            cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess)
            sms = 132;
        (void)cudaGetLastError();
        const char *e = getenv("CHORD_CUDA_TC_WARPS");
        const int w = e ? atoi(e) : 16;
        target = sms * (w >= 1 && w <= 64 ? w : 16);
    }
    return target;
}

#endif
