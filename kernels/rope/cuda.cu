/* rope, CUDA: rotary position embedding of the first n_rot values of each head (rope.h), both
 * GGUF pairings (NORMAL: (2i, 2i+1), NEOX: (i, i + n_rot/2)), values past n_rot copied.
 *
 * Angles: p * theta_base^(-2i/n_rot) reaches ~2000 rad in a 2048-token prompt, where float carries
 * ~1e-4 rad of rounding. So each block first builds the n_rot/2 frequencies in double in shared
 * memory (one pow per pair per block), the angle is formed and reduced mod 2 pi in double (a few FP64
 * ops per pair), and only the reduced angle (|r| <= pi) goes to float __sincosf (<= 2^-21.4 absolute
 * error there). The result is within ~1e-6 of the double reference.
 *
 * Versions, with the H100 figures measured for each:
 *   v1 flat grid-stride over (row, slot), slots = n_rot/2 pairs then the head_dim - n_rot
 *      copied values. NORMAL reads each pair as one float2 when X and Y are 8-aligned and head_dim
 *      is even (checked at run time), NEOX reads two coalesced float streams. Consecutive threads
 *      touch consecutive addresses in both modes. The FP64 work (~6 ops per pair) stays under
 *      memory time. Reasoned shortfall: one 8-byte load in flight per thread (the compiler may not
 *      hoist the next load over a store, Y may alias X): ~16 KiB in flight per SM, under the ~23 KiB
 *      that 3 TB/s x ~1 us latency / 132 SMs asks for.
 *   v2 ROPE_U = 4 slots per thread per step, all four loaded before any store (the element
 *      sets are disjoint, so this is safe under aliasing): 4x the bytes in flight per thread, ~2x per
 *      SM (half as many threads resident).
 *      54 registers, no spills (4 blocks of 256 per SM; capping registers for 6 blocks spilled).
 *      Expected: >= 80% of copy bandwidth at 2048 x 32 x 128 (32 MiB each way).
 *      H100: 2018 GB/s NORMAL, 1915 GB/s NEOX at 2048 x 32 x 128: 69.5% / 66.0% of the 2903 GB/s copy.
 *   v3 (this, when head_dim % 4 == 0, n_rot % 4 == 0 (NORMAL) or % 8 == 0 (NEOX), X and Y 16-aligned;
 *      else v2) float4 loads and stores only, and one angle per ROPE_HG = 4 heads: a work item is
 *      one float4 position q of a head (NORMAL: pairs 2q, 2q+1; NEOX: pairs 4q .. 4q+3, i.e. the
 *      float4 at 4q and the one at n_rot/2 + 4q; or a copied float4) for 4 consecutive heads of one
 *      token, so the FP64 angle and the sincos are done once per 4 heads (per 8 values of one head
 *      before). All 4 (NEOX 8) float4 are loaded before any math or store: 64 (128) bytes in flight
 *      per thread. The grid is exactly what fits on the GPU at once (occupancy x SMs, or less when
 *      there is less work), grid-striding over the items: no tail wave, the frequency table built
 *      once per resident block. Consecutive threads take consecutive q: each load instruction of a
 *      warp covers whole 512-byte heads (NEOX: two 256-byte halves).
 *      Expected: >= 80% of copy at 2048 x 32 x 128, both modes.
 *      H100, % of the 256 MiB copy (NORMAL / NEOX): run 2ced065576bb 73.9 / 76.1 at 2048 x 32 x 128, 89.8 /
 *      90.4 at 8192; but that timer counted the host's ~3 us enqueue of the launch as device time
 *      (runtime/cuda_hold.cu). Timed right (run 8388b9f320f5-dirty): 82.7 / 82.8 at 2048, 86.5 / 85.5 at
 *      4096, 90.6 / 90.4 at 8192.
 * Y may alias X: each pair and each copied value is read and written by one thread. */
#include <math.h>

#include "../common/cuda_common.cuh"
#include "cuda_rope.cuh"
#include "rope.h"

#define ROPE_THREADS 256
#define ROPE_U 4 /* slots per thread per step */

template <bool NEOX, bool VEC2>
__global__ void __launch_bounds__(ROPE_THREADS)
    rope_kernel(const float *x /* (n_tok, n_head, head_dim) */, float *y /* (n_tok, n_head, head_dim) */,
                int64_t n_rows /* n_tok * n_head */, int n_head, int head_dim, int n_rot, double theta_base, int pos0)
{
    chord_cu_pdl_begin();            /* the predecessor's outputs are this kernel's inputs */
    extern __shared__ double freq[]; /* (n_rot / 2): theta_base^(-2i / n_rot) */
    const int half = n_rot / 2, slots = half + (head_dim - n_rot);
    for (int i = threadIdx.x; i < half; i += blockDim.x)
        freq[i] = pow(theta_base, -2.0 * i / n_rot);
    __syncthreads();
    const int64_t total = n_rows * slots, stride = (int64_t)gridDim.x * blockDim.x;
    /* 32-bit divisions when the indices fit: the 64-bit ones are ~70-instruction software routines */
    const bool idx32 = total <= 0xffffffffLL;
    /* ROPE_U slots per thread per step, all loaded before any is stored: the compiler cannot move a
     * load above an earlier store itself (Y may alias X), and one 8-byte load in flight per thread
     * is too little to cover DRAM latency with 2048 threads per SM */
    for (int64_t g0 = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; g0 < total; g0 += ROPE_U * stride) {
        int64_t base[ROPE_U]; /* the row's first element */
        int s[ROPE_U], tok[ROPE_U];
        float x0[ROPE_U], x1[ROPE_U];
#pragma unroll
        for (int u = 0; u < ROPE_U; u++) {
            const int64_t g = g0 + u * stride;
            s[u] = -1;
            if (g >= total)
                continue;
            const int64_t row = idx32 ? (int64_t)((unsigned)g / (unsigned)slots) : g / slots;
            s[u] = (int)(g - row * slots);
            tok[u] = idx32 ? (int)((unsigned)row / (unsigned)n_head) : (int)(row / n_head);
            base[u] = row * head_dim;
            const float *xv = x + base[u];
            if (s[u] >= half) { /* past n_rot: copied */
                x0[u] = xv[n_rot + (s[u] - half)];
            } else if (VEC2) {
                const float2 v = *(const float2 *)(xv + 2 * s[u]);
                x0[u] = v.x, x1[u] = v.y;
            } else {
                x0[u] = xv[NEOX ? s[u] : 2 * s[u]];
                x1[u] = xv[NEOX ? s[u] + half : 2 * s[u] + 1];
            }
        }
#pragma unroll
        for (int u = 0; u < ROPE_U; u++) {
            if (s[u] < 0)
                continue;
            float *yv = y + base[u];
            if (s[u] >= half) {
                yv[n_rot + (s[u] - half)] = x0[u];
                continue;
            }
            const double theta = (double)(pos0 + tok[u]) * freq[s[u]];
            /* reduce to [-pi, pi]: k * 2pi in double is exact enough for k up to millions */
            const double k = rint(theta * 0.15915494309189535);
            const float r = (float)fma(-k, 6.283185307179586, theta);
            /* the hardware approximation: within [-pi, pi] its error is <= 2^-21.4 absolute, far inside
             * the 1e-4 bound, and it has no slow path (sincosf's Payne-Hanek branch for huge
             * arguments, which r never is, cost a stack frame and spills around its call) */
            float sn, cs;
            __sincosf(r, &sn, &cs);
            const float y0 = x0[u] * cs - x1[u] * sn, y1 = x0[u] * sn + x1[u] * cs;
            if (VEC2) {
                *(float2 *)(yv + 2 * s[u]) = make_float2(y0, y1);
            } else {
                yv[NEOX ? s[u] : 2 * s[u]] = y0;
                yv[NEOX ? s[u] + half : 2 * s[u] + 1] = y1;
            }
        }
    }
}

#define ROPE_HG 4 /* heads sharing one angle computation per work item */

/* v3: items (tok, head group of ROPE_HG, q), q fastest; q < rot4 rotates, the rest copy float4s past
 * n_rot. x, y as float4: (n_tok, n_head, head_dim / 4). */
template <bool NEOX>
__global__ void __launch_bounds__(ROPE_THREADS)
    rope_vec_kernel(const float4 *x /* (n_tok, n_head, head_dim / 4) */, float4 *y /* (n_tok, n_head, head_dim / 4) */,
                    int n_tok, int n_head, int head_dim, int n_rot, double theta_base, int pos0)
{
    chord_cu_pdl_begin();            /* the predecessor's outputs are this kernel's inputs */
    extern __shared__ double freq[]; /* (n_rot / 2): theta_base^(-2i / n_rot) */
    const int half = n_rot / 2;
    for (int i = threadIdx.x; i < half; i += blockDim.x)
        freq[i] = pow(theta_base, -2.0 * i / n_rot);
    __syncthreads();
    const int hd4 = head_dim / 4;
    const int rot4 = NEOX ? half / 4 : n_rot / 4;  /* rotating items per head */
    const int ipr = rot4 + (head_dim - n_rot) / 4; /* items per (token, head group) */
    const int n_hg = (n_head + ROPE_HG - 1) / ROPE_HG;
    const int64_t total = (int64_t)n_tok * n_hg * ipr, stride = (int64_t)gridDim.x * blockDim.x;
    const bool idx32 = total <= 0xffffffffLL; /* 32-bit divisions when they do */
    for (int64_t g = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; g < total; g += stride) {
        int q, hg, tok;
        if (idx32) {
            const unsigned r = (unsigned)g / (unsigned)ipr;
            q = (int)((unsigned)g - r * (unsigned)ipr);
            hg = (int)(r % (unsigned)n_hg);
            tok = (int)(r / (unsigned)n_hg);
        } else {
            const int64_t r = g / ipr;
            q = (int)(g - r * ipr);
            hg = (int)(r % n_hg);
            tok = (int)(r / n_hg);
        }
        const int h0 = hg * ROPE_HG, nh = n_head - h0 < ROPE_HG ? n_head - h0 : ROPE_HG;
        const size_t base = ((size_t)tok * n_head + h0) * hd4; /* float4 index of head h0's start */
        const bool rot = q < rot4;
        /* NORMAL: float4 q in both cases; NEOX: the low half's float4 q, or a copied one past n_rot */
        const int lo = NEOX && !rot ? n_rot / 4 + (q - rot4) : q, hi = q + half / 4;
        float4 a[ROPE_HG], b[ROPE_HG];
#pragma unroll
        for (int k = 0; k < ROPE_HG; k++) {
            if (k < nh) {
                a[k] = x[base + (size_t)k * hd4 + lo];
                if (NEOX && rot)
                    b[k] = x[base + (size_t)k * hd4 + hi];
            }
        }
        if (!rot) {
#pragma unroll
            for (int k = 0; k < ROPE_HG; k++)
                if (k < nh)
                    y[base + (size_t)k * hd4 + lo] = a[k];
            continue;
        }
        const double p = (double)pos0 + tok;
        if (NEOX) {
            float sn[4], cs[4];
#pragma unroll
            for (int j = 0; j < 4; j++)
                rope_sincos(p, freq[4 * q + j], &sn[j], &cs[j]);
#pragma unroll
            for (int k = 0; k < ROPE_HG; k++) {
                if (k < nh) {
                    const float4 u = a[k], v = b[k];
                    y[base + (size_t)k * hd4 + lo] = make_float4(u.x * cs[0] - v.x * sn[0], u.y * cs[1] - v.y * sn[1],
                                                                 u.z * cs[2] - v.z * sn[2], u.w * cs[3] - v.w * sn[3]);
                    y[base + (size_t)k * hd4 + hi] = make_float4(u.x * sn[0] + v.x * cs[0], u.y * sn[1] + v.y * cs[1],
                                                                 u.z * sn[2] + v.z * cs[2], u.w * sn[3] + v.w * cs[3]);
                }
            }
        } else {
            float s0, c0, s1, c1;
            rope_sincos(p, freq[2 * q], &s0, &c0);
            rope_sincos(p, freq[2 * q + 1], &s1, &c1);
#pragma unroll
            for (int k = 0; k < ROPE_HG; k++) {
                if (k < nh) {
                    const float4 u = a[k];
                    y[base + (size_t)k * hd4 + lo] =
                        make_float4(u.x * c0 - u.y * s0, u.x * s0 + u.y * c0, u.z * c1 - u.w * s1, u.z * s1 + u.w * c1);
                }
            }
        }
    }
}

/* v3's grid: the blocks that fit on the device at once, fewer when the items are fewer */
template <bool NEOX>
static chord_status rope_vec_launch(const float *x, float *y, const chord_rope_args *a, size_t shared,
                                    cudaStream_t stream)
{
    /* the occupancy query costs the host microseconds on every decode step's 2 x n_layer launches: asked once per
     * device and shared-memory size (n_rot), the only inputs it has */
    static int last_dev = -1, n_sm = 0, per_sm = 0;
    static size_t last_shared = 0;
    int dev = 0;
    CHORD_CUDA_CHECK(cudaGetDevice(&dev));
    if (dev != last_dev || shared != last_shared) {
        CHORD_CUDA_CHECK(cudaDeviceGetAttribute(&n_sm, cudaDevAttrMultiProcessorCount, dev));
        CHORD_CUDA_CHECK(
            cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, rope_vec_kernel<NEOX>, ROPE_THREADS, shared));
        last_dev = dev;
        last_shared = shared;
    }
    const int half = a->n_rot / 2;
    const long long ipr = (NEOX ? half / 4 : a->n_rot / 4) + (a->head_dim - a->n_rot) / 4;
    const long long items = (long long)a->n_tok * ((a->n_head + ROPE_HG - 1) / ROPE_HG) * ipr;
    long long grid = (items + ROPE_THREADS - 1) / ROPE_THREADS;
    const long long fit = (long long)n_sm * (per_sm > 0 ? per_sm : 1);
    grid = grid > fit ? fit : grid;
    CHORD_CU_LAUNCH("rope_vec_kernel", rope_vec_kernel<NEOX>, (unsigned)grid, ROPE_THREADS, shared, stream,
                    (const float4 *)x, (float4 *)y, a->n_tok, a->n_head, a->head_dim, a->n_rot, (double)a->theta_base,
                    a->pos0);
    return CHORD_OK;
}

extern "C" chord_status chord_rope_cuda(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_rope_args *a = (const chord_rope_args *)args;
    if (!t) /* a support query: every shape runs */
        return CHORD_OK;
    const cudaStream_t stream = chord_cuda_stream(ctx);
    const float *x = (const float *)chord_cuda_ptr(t[0]);
    float *y = (float *)chord_cuda_ptr(t[1]);
    if (!chord_cuda_aligned(x, 4) || !chord_cuda_aligned(y, 4))
        return chord_fail(CHORD_ERR_INVALID, "cuda rope: misaligned X %p or Y %p", (const void *)x, (void *)y);
    const int64_t n_rows = (int64_t)a->n_tok * a->n_head;
    const int slots = a->n_rot / 2 + (a->head_dim - a->n_rot);
    if (n_rows == 0 || slots == 0)
        return CHORD_OK;
    const size_t shared = (size_t)(a->n_rot / 2) * sizeof(double);
    if (shared > 48 * 1024)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda rope: n_rot=%d needs more than 48 KiB of frequencies", a->n_rot);
    const bool neox = (a->mode & CHORD_ROPE_NEOX) != 0; /* the reference's test: the NEOX bit */
    if (a->head_dim % 4 == 0 && a->n_rot % (neox ? 8 : 4) == 0 && chord_cuda_aligned(x, 16) &&
        chord_cuda_aligned(y, 16))
        return neox ? rope_vec_launch<true>(x, y, a, shared, stream) : rope_vec_launch<false>(x, y, a, shared, stream);
    const bool vec2 = !neox && a->head_dim % 2 == 0 && chord_cuda_aligned(x, 8) && chord_cuda_aligned(y, 8);
    /* at most a few waves of 132 SMs x 8 blocks: the rest is grid-stride, so the frequency table is
     * built ~2048 times, not once per 256 pairs */
    unsigned grid = chord_cuda_grid((n_rows * slots + ROPE_U - 1) / ROPE_U, ROPE_THREADS);
    grid = grid > 2048 ? 2048 : grid;
#define ROPE_LAUNCH(N, V)                                                                                          \
    CHORD_CU_LAUNCH("rope_kernel", rope_kernel<N, V>, grid, ROPE_THREADS, shared, stream, x, y, n_rows, a->n_head, \
                    a->head_dim, a->n_rot, (double)a->theta_base, a->pos0)
    if (neox)
        ROPE_LAUNCH(true, false);
    else if (vec2)
        ROPE_LAUNCH(false, true);
    else
        ROPE_LAUNCH(false, false);
#undef ROPE_LAUNCH
    return CHORD_OK;
}
