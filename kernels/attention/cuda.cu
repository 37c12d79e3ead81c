/* attention, CUDA: causal scaled dot-product attention with grouped-query heads over a KV cache
 * (attention.h). Query t of head h sees keys 0 .. pos0 + t of kv head h / (n_head / n_head_kv); rows
 * past that are never read (the tests fill them with NaN).
 *
 * Versions, with the H100 figures measured for each:
 *   v1 one block per (token, head), warps split the keys round-robin, two keys per step.
 *      A lane holds head_dim/32 values of q (head_dim <= 256: NI = 1, 2, 4 or 8 per lane), a key's
 *      dot product is lane partials + one warp shuffle sum; each warp keeps an online softmax
 *      (running max m, sum l, and its share of the output accumulator acc in registers, rescaled
 *      when the max grows), so a score is used once and never stored. The warps' (m, l, acc) are
 *      merged through shared memory at the end. K and V rows are read coalesced (32 lanes x 4 bytes
 *      per 128 values). Reasoned shortfall: decode has only n_head blocks (9 for SmolLM2, 32 for a
 *      7B), so only that many SMs work, each on thousands of keys.
 *   v2 split-K for few queries (flash-decoding): when n_tok * n_head < 2 x 132 blocks, each
 *      query's keys are cut into S chunks of >= 64 keys, one block per (query, chunk) writes its
 *      unnormalized (m, l, acc) to the context's scratch (chord_cuda_scratch: one buffer, kept, so a
 *      captured decode graph sees the same address every step), and a second small
 *      kernel merges the S partials, each weighted by exp(m_s - max). Decode at pos 4000 with 32
 *      heads: 32 x 9 = 288 blocks instead of 32. Otherwise v1, 8 warps per block.
 *      Expected: decode attention near K/V bandwidth for long contexts; prefill unchanged.
 *      H100: decode 32/8 heads d128 pos 4000: 0.114 ms, 289 GB/s on the K/V bytes (10% of copy).
 *   v3 (this, for the split-K regime when head_dim % 4 == 0, head_dim <= 128, n_head / n_head_kv
 *      <= 8 and Q, K, V are 16-aligned; else v2) GQA sharing: one block per (token, kv head, chunk)
 *      serves all G = n_head / n_head_kv query heads of the group, so each K/V row is read once
 *      (v2 read it G times). A lane holds one float4 of each query (lane < head_dim / 4), a warp
 *      takes ATTN_U = 4 keys per step with their K and V float4 loads issued together (4 KiB in
 *      flight per warp), G x 4 dot products reduced by shuffles, one online softmax per query
 *      head. 8 warps per block, chunks sized for ~2 blocks per SM (decode 32/8 pos 4000: 33
 *      chunks of 122 keys, 264 blocks). The partials go through attention_merge as in v2, whose
 *      loops over the splits are now unrolled 8x (8 independent loads in flight, not one). Expected: several x at decode pos 4000.
 *   v4 (n_tok >= 16, head_dim % 4 == 0 and <= 128, 16-aligned) query tiles sharing key tiles: cuda_tile.cuh.
 *   v1 and v3 prefetch the cached rows they will read (those before pos0, written by earlier steps) into L2 before
 *      the PDL wait, so the KV loads overlap the predecessor, where all of them fit in 8 MiB. Expected: a few us of
 *      each ~7.8 us decode attention at short context (ncu: 9-32 blocks, ~0.05 MB). Measured (H200, tg128 A/B
 *      with CHORD_CUDA_L2_PREFETCH=0, which also turns off v4's prefetch): 1B q4_0 1297 / 1291 -> 1346 / 1369
 *      (+5%), 7B q4_0 431 / 440 -> 451 / 450 (+3%). Uncapped it cost the 7B at depth 4096 12% (282 -> 249 tok/s:
 *      134 MB of rows per layer, the lines evicted before their loads).
 * float throughout with the accurate expf (the reference is double): relative error ~1e-6. */
#include <math.h>

#include "../common/cuda_common.cuh"
#include "attention.h"

/* The cached keys and values a block will read, [j_begin, min(j_end, pos0)), into L2 before the PDL wait: rows
 * before pos0 were written by earlier steps, never by this kernel's predecessor (which writes row pos0 on).
 * Warp w takes keys j_begin + w, + n_warps, ...; lanes 0-15 the K row's lines, 16-31 the V row's. */
__device__ __forceinline__ void attention_prefetch(const float *kh, const float *vh, size_t kv_stride, int head_dim,
                                                   int j_begin, int j_end, int pos0, int warp, int n_warps, int lane)
{
    const int end = min(j_end, pos0);
    for (int j = j_begin + warp; j < end; j += n_warps)
        chord_cu_prefetch_l2((lane < 16 ? kh : vh) + (size_t)j * kv_stride, (size_t)head_dim * sizeof(float),
                             lane & 15, 16);
}

template <int NI>
__global__ void __launch_bounds__(256)
    attention_kernel(const float *__restrict__ q /* (n_tok, n_head, head_dim) */,
                     const float *__restrict__ k /* (n_ctx, n_head_kv, head_dim) */,
                     const float *__restrict__ v /* (n_ctx, n_head_kv, head_dim) */,
                     float *__restrict__ out /* (n_tok, n_head, head_dim) */, int n_head, int n_head_kv, int head_dim,
                     int pos0, float scale, int chunk /* keys per split */,
                     float *__restrict__ part /* (n_tok * n_head, n_split, 2 + head_dim), or NULL: no split */,
                     int l2 /* prefetch the cached rows into L2 */)
{
    extern __shared__ float sh_acc[]; /* (n_warps, NI * 32) */
    __shared__ float sh_m[32], sh_l[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, n_warps = blockDim.x >> 5;
    const int h = blockIdx.x % n_head, t = blockIdx.x / n_head;
    const int hk = h / (n_head / n_head_kv);
    const int last = pos0 + t; /* the last key this query sees */
    /* this block's keys: [j_begin, j_end), all of 0 .. last without a split */
    const int j_begin = blockIdx.y * chunk, j_end = min(last + 1, j_begin + chunk);
    const size_t kv_stride = (size_t)n_head_kv * head_dim;
    const float *kh = k + (size_t)hk * head_dim, *vh = v + (size_t)hk * head_dim;
    if (l2)
        attention_prefetch(kh, vh, kv_stride, head_dim, j_begin, j_end, pos0, warp, n_warps, lane);
    chord_cu_pdl_begin(); /* the predecessor's outputs are this kernel's inputs */

    float qr[NI], acc[NI];
    const float *qv = q + ((size_t)t * n_head + h) * head_dim;
#pragma unroll
    for (int i = 0; i < NI; i++) {
        const int d = lane + 32 * i;
        qr[i] = d < head_dim ? qv[d] : 0.0f;
        acc[i] = 0.0f;
    }
    float m = -INFINITY, l = 0.0f;
    for (int j0 = j_begin + warp; j0 < j_end; j0 += 2 * n_warps) {
        const int j1 = j0 + n_warps;
        const bool has1 = j1 < j_end; /* warp-uniform */
        const float *k0 = kh + (size_t)j0 * kv_stride, *k1 = kh + (size_t)j1 * kv_stride;
        float dot0 = 0.0f, dot1 = 0.0f;
#pragma unroll
        for (int i = 0; i < NI; i++) {
            const int d = lane + 32 * i;
            if (d < head_dim) {
                dot0 = fmaf(qr[i], k0[d], dot0);
                if (has1)
                    dot1 = fmaf(qr[i], k1[d], dot1);
            }
        }
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) { /* both sums interleaved: independent shuffle chains */
            dot0 += __shfl_xor_sync(0xffffffffu, dot0, o);
            dot1 += __shfl_xor_sync(0xffffffffu, dot1, o);
        }
        const float s0 = scale * dot0, s1 = has1 ? scale * dot1 : -INFINITY;
        const float mn = fmaxf(m, fmaxf(s0, s1)); /* finite: s0 is */
        const float corr = expf(m - mn);          /* 0 on the first step (m = -inf) */
        const float p0 = expf(s0 - mn), p1 = has1 ? expf(s1 - mn) : 0.0f;
        l = l * corr + p0 + p1;
        m = mn;
        const float *v0 = vh + (size_t)j0 * kv_stride, *v1 = vh + (size_t)j1 * kv_stride;
#pragma unroll
        for (int i = 0; i < NI; i++) {
            const int d = lane + 32 * i;
            if (d < head_dim) {
                float a = fmaf(p0, v0[d], acc[i] * corr);
                if (has1)
                    a = fmaf(p1, v1[d], a);
                acc[i] = a;
            }
        }
    }
    /* merge the warps: each scaled by exp(m_w - M); a warp that saw no key has m_w = -inf, weight 0 */
    if (lane == 0) {
        sh_m[warp] = m;
        sh_l[warp] = l;
    }
#pragma unroll
    for (int i = 0; i < NI; i++)
        sh_acc[warp * NI * 32 + lane + 32 * i] = acc[i];
    __syncthreads();
    float mx = -INFINITY;
    for (int w = 0; w < n_warps; w++)
        mx = fmaxf(mx, sh_m[w]);
    float lsum = 0.0f;
    for (int w = 0; w < n_warps; w++)
        lsum += sh_m[w] == -INFINITY ? 0.0f : sh_l[w] * expf(sh_m[w] - mx);
    /* a split block past this query's last key saw nothing: it writes (-inf, 0, zeros) */
    float *o = part ? part + ((size_t)blockIdx.x * gridDim.y + blockIdx.y) * (2 + head_dim) + 2
                    : out + ((size_t)t * n_head + h) * head_dim;
    const float inv = part ? 1.0f : 1.0f / lsum; /* partials stay unnormalized */
    if (part && threadIdx.x == 0) {
        o[-2] = mx;
        o[-1] = lsum;
    }
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float sum = 0.0f;
        for (int w = 0; w < n_warps; w++)
            if (sh_m[w] != -INFINITY)
                sum = fmaf(sh_acc[w * NI * 32 + d], expf(sh_m[w] - mx), sum);
        o[d] = sum * inv;
    }
}

/* Merges the n_split partials of each query: out = sum_s acc_s exp(m_s - M) / sum_s l_s exp(m_s - M). */
__global__ void __launch_bounds__(128)
    attention_merge(const float *__restrict__ part /* (n_q, n_split, 2 + head_dim) */,
                    float *__restrict__ out /* (n_q, head_dim) */, int n_split, int head_dim)
{
    chord_cu_pdl_begin(); /* the predecessor's outputs are this kernel's inputs */
    const float *pq = part + (size_t)blockIdx.x * n_split * (2 + head_dim);
    float mx = -INFINITY;
#pragma unroll 8
    for (int s = 0; s < n_split; s++)
        mx = fmaxf(mx, pq[s * (2 + head_dim)]);
    float lsum = 0.0f; /* > 0: the split holding key 0 saw it */
#pragma unroll 8
    for (int s = 0; s < n_split; s++) {
        const float m = pq[s * (2 + head_dim)];
        lsum += m == -INFINITY ? 0.0f : pq[s * (2 + head_dim) + 1] * expf(m - mx);
    }
    const float inv = 1.0f / lsum;
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float sum = 0.0f;
#pragma unroll 8
        for (int s = 0; s < n_split; s++) {
            const float m = pq[s * (2 + head_dim)];
            if (m != -INFINITY)
                sum = fmaf(pq[s * (2 + head_dim) + 2 + d], expf(m - mx), sum);
        }
        out[(size_t)blockIdx.x * head_dim + d] = sum * inv;
    }
}

#define ATTN_WARPS 8
#define ATTN_U 4 /* keys per warp step */

/* v3: block (t * n_head_kv + hk, chunk). GM >= G = n_head / n_head_kv query heads per kv head. */
template <int GM>
__global__ void __launch_bounds__(ATTN_WARPS * 32)
    attention_gqa_kernel(const float *__restrict__ q /* (n_tok, n_head, head_dim) */,
                         const float *__restrict__ k /* (n_ctx, n_head_kv, head_dim) */,
                         const float *__restrict__ v /* (n_ctx, n_head_kv, head_dim) */, int n_head, int n_head_kv,
                         int head_dim, int pos0, float scale, int chunk,
                         float *__restrict__ part /* (n_tok * n_head, n_split, 2 + head_dim) */,
                         int l2 /* prefetch the cached rows into L2 */)
{
    __shared__ float sh_m[ATTN_WARPS][GM], sh_l[ATTN_WARPS][GM];
    __shared__ float4 sh_acc[ATTN_WARPS][GM][32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int G = n_head / n_head_kv, hk = blockIdx.x % n_head_kv, t = blockIdx.x / n_head_kv;
    const int last = pos0 + t;
    const int j_begin = blockIdx.y * chunk, j_end = min(last + 1, j_begin + chunk);
    const size_t kv_stride = (size_t)n_head_kv * head_dim;
    if (l2)
        attention_prefetch(k + (size_t)hk * head_dim, v + (size_t)hk * head_dim, kv_stride, head_dim, j_begin, j_end,
                           pos0, warp, ATTN_WARPS, lane);
    chord_cu_pdl_begin(); /* the predecessor's outputs are this kernel's inputs */
    const bool lane_on = 4 * lane < head_dim;
    const float4 zero = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    float4 qr[GM], acc[GM];
    float m[GM], l[GM];
#pragma unroll
    for (int g = 0; g < GM; g++) {
        const int h = hk * G + g;
        qr[g] = g < G && lane_on ? *(const float4 *)(q + ((size_t)t * n_head + h) * head_dim + 4 * lane) : zero;
        acc[g] = zero;
        m[g] = -INFINITY;
        l[g] = 0.0f;
    }
    const float *kh = k + (size_t)hk * head_dim + 4 * lane, *vh = v + (size_t)hk * head_dim + 4 * lane;
    for (int j0 = j_begin + warp * ATTN_U; j0 < j_end; j0 += ATTN_WARPS * ATTN_U) {
        float4 kr[ATTN_U], vr[ATTN_U];
#pragma unroll
        for (int u = 0; u < ATTN_U; u++) { /* keys past j_end (NaN rows past the cache's end) never read */
            const bool ok = j0 + u < j_end && lane_on;
            kr[u] = ok ? *(const float4 *)(kh + (size_t)(j0 + u) * kv_stride) : zero;
            vr[u] = ok ? *(const float4 *)(vh + (size_t)(j0 + u) * kv_stride) : zero;
        }
#pragma unroll
        for (int g = 0; g < GM; g++) {
            if (g >= G)
                break;
            float s[ATTN_U];
#pragma unroll
            for (int u = 0; u < ATTN_U; u++)
                s[u] = qr[g].x * kr[u].x + qr[g].y * kr[u].y + qr[g].z * kr[u].z + qr[g].w * kr[u].w;
#pragma unroll
            for (int o = 16; o > 0; o >>= 1)
#pragma unroll
                for (int u = 0; u < ATTN_U; u++)
                    s[u] += __shfl_xor_sync(0xffffffffu, s[u], o);
            float mn = m[g];
#pragma unroll
            for (int u = 0; u < ATTN_U; u++) {
                s[u] = j0 + u < j_end ? scale * s[u] : -INFINITY;
                mn = fmaxf(mn, s[u]);
            }
            const float corr = expf(m[g] - mn); /* mn is finite: key j0 is valid; 0 on the first step */
            float4 a = make_float4(acc[g].x * corr, acc[g].y * corr, acc[g].z * corr, acc[g].w * corr);
            float lsum = l[g] * corr;
#pragma unroll
            for (int u = 0; u < ATTN_U; u++) {
                const float p = expf(s[u] - mn); /* 0 for the invalid keys */
                lsum += p;
                a.x = fmaf(p, vr[u].x, a.x);
                a.y = fmaf(p, vr[u].y, a.y);
                a.z = fmaf(p, vr[u].z, a.z);
                a.w = fmaf(p, vr[u].w, a.w);
            }
            acc[g] = a;
            l[g] = lsum;
            m[g] = mn;
        }
    }
    /* merge the warps: each scaled by exp(m_w - M); a warp that saw no key has m_w = -inf, weight 0 */
#pragma unroll
    for (int g = 0; g < GM; g++) {
        if (lane == 0) {
            sh_m[warp][g] = m[g];
            sh_l[warp][g] = l[g];
        }
        sh_acc[warp][g][lane] = acc[g];
    }
    __syncthreads();
    const int d4 = head_dim / 4;
    for (int idx = threadIdx.x; idx < G * d4; idx += blockDim.x) {
        const int g = idx / d4, c = idx % d4;
        float mx = -INFINITY;
        for (int w = 0; w < ATTN_WARPS; w++)
            mx = fmaxf(mx, sh_m[w][g]);
        float lsum = 0.0f;
        float4 sum = zero;
        for (int w = 0; w < ATTN_WARPS; w++) {
            if (sh_m[w][g] == -INFINITY)
                continue;
            const float f = expf(sh_m[w][g] - mx);
            lsum += sh_l[w][g] * f;
            const float4 a = sh_acc[w][g][c];
            sum = make_float4(fmaf(a.x, f, sum.x), fmaf(a.y, f, sum.y), fmaf(a.z, f, sum.z), fmaf(a.w, f, sum.w));
        }
        /* partials stay unnormalized; a chunk past this query's last key writes (-inf, 0, zeros) */
        float *o = part + (((size_t)t * n_head + hk * G + g) * gridDim.y + blockIdx.y) * (2 + head_dim);
        if (c == 0) {
            o[0] = mx;
            o[1] = lsum;
        }
        o[2 + 4 * c] = sum.x, o[3 + 4 * c] = sum.y, o[4 + 4 * c] = sum.z, o[5 + 4 * c] = sum.w;
    }
}

#include "cuda_tile.cuh"

extern "C" chord_status chord_attention_cuda(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_attention_args *a = (const chord_attention_args *)args;
    if (a->head_dim > CHORD_CUDA_ATTN_MAX_HEAD_DIM)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "cuda attention: head_dim %d > %d", a->head_dim,
                          CHORD_CUDA_ATTN_MAX_HEAD_DIM);
    if (!t) /* a support query */
        return CHORD_OK;
    const cudaStream_t stream = chord_cuda_stream(ctx);
    const float *q = (const float *)chord_cuda_ptr(t[0]);
    const float *k = (const float *)chord_cuda_ptr(t[1]);
    const float *v = (const float *)chord_cuda_ptr(t[2]);
    float *out = (float *)chord_cuda_ptr(t[3]);
    if (!chord_cuda_aligned(q, 4) || !chord_cuda_aligned(k, 4) || !chord_cuda_aligned(v, 4) ||
        !chord_cuda_aligned(out, 4))
        return chord_fail(CHORD_ERR_INVALID, "cuda attention: misaligned Q, K, V or OUT");
    const long long blocks = (long long)a->n_tok * a->n_head;
    if (blocks == 0)
        return CHORD_OK;
    if (blocks > 0x7fffffffLL)
        return chord_fail(CHORD_ERR_INVALID, "cuda attention: %lld (token, head) pairs exceed the grid", blocks);
    int ran = 0; /* prompt batches: v4 */
    CHORD_TRY(attention_tile_launch(q, k, v, out, a, stream, &ran));
    if (ran)
        return CHORD_OK;
    const int ni = a->head_dim <= 32 ? 1 : a->head_dim <= 64 ? 2 : a->head_dim <= 128 ? 4 : 8;
    const int warps = 8;
    const size_t shared = (size_t)warps * ni * 32 * sizeof(float);
    /* split-K when the queries alone cannot fill 2 blocks per SM of an H100: chunks of >= 64 keys */
    const long long n_kv = (long long)a->pos0 + a->n_tok, want = (2 * 132 + blocks - 1) / blocks;
    long long n_split = (n_kv + 63) / 64;
    n_split = n_split < want ? n_split : want;
    n_split = n_split > 65535 ? 65535 : n_split;
    /* v3 in the split regime: (token, kv head) blocks, ~2 of 8 warps per SM, chunks of >= 32 keys */
    const int G = a->n_head / a->n_head_kv;
    const long long gblocks = (long long)a->n_tok * a->n_head_kv;
    const bool gqa = n_split > 1 && a->head_dim % 4 == 0 && a->head_dim <= 128 && G <= 8 && chord_cuda_aligned(q, 16) &&
                     chord_cuda_aligned(k, 16) && chord_cuda_aligned(v, 16);
    if (gqa) {
        const long long gwant = (2 * 132 + gblocks - 1) / gblocks;
        long long gs = (n_kv + 31) / 32;
        gs = gs < gwant ? gs : gwant;
        n_split = gs > 65535 ? 65535 : gs < 2 ? 2 : gs;
    }
    float *part = NULL; /* (blocks, n_split, 2 + head_dim) partials, in the context's scratch */
    if (n_split > 1) {
        const size_t bytes = (size_t)blocks * n_split * (2 + a->head_dim) * sizeof(float);
        CHORD_TRY(chord_cuda_scratch(ctx, bytes, (void **)&part));
    }
    /* the prefetch only where every query's cached rows fit in L2 with room to spare: at depth (the 7B at 4096
     * keys reads 134 MB per layer) the prefetched lines are evicted before their loads and read twice (measured
     * on the H200: 7B q4_0 tg128@d4096 282 -> 249 tok/s with it on) */
    const double kv_bytes = 2.0 * (double)n_kv * a->n_head_kv * a->head_dim * sizeof(float);
    const int l2 = chord_cuda_l2_prefetch() && kv_bytes <= 8.0 * (1 << 20);
    if (gqa && n_split > 1) {
        const int gchunk = (int)((n_kv + n_split - 1) / n_split);
        const dim3 ggrid((unsigned)gblocks, (unsigned)n_split);
        if (G <= 4)
            CHORD_CU_LAUNCH("attention_gqa_kernel", attention_gqa_kernel<4>, ggrid, ATTN_WARPS * 32, 0, stream, q, k, v,
                            a->n_head, a->n_head_kv, a->head_dim, a->pos0, a->scale, gchunk, part, l2);
        else
            CHORD_CU_LAUNCH("attention_gqa_kernel", attention_gqa_kernel<8>, ggrid, ATTN_WARPS * 32, 0, stream, q, k, v,
                            a->n_head, a->n_head_kv, a->head_dim, a->pos0, a->scale, gchunk, part, l2);
    } else {
        const int chunk = (int)((n_kv + n_split - 1) / n_split);
        const dim3 grid((unsigned)blocks, (unsigned)n_split);
#define ATTN_LAUNCH(NI)                                                                                       \
    CHORD_CU_LAUNCH("attention_kernel", attention_kernel<NI>, grid, warps * 32, shared, stream, q, k, v, out, \
                    a->n_head, a->n_head_kv, a->head_dim, a->pos0, a->scale, chunk, part, l2)
        switch (ni) {
        case 1: ATTN_LAUNCH(1); break;
        case 2: ATTN_LAUNCH(2); break;
        case 4: ATTN_LAUNCH(4); break;
        default: ATTN_LAUNCH(8); break;
        }
#undef ATTN_LAUNCH
    }
    if (n_split > 1) {
        CHORD_CU_LAUNCH("attention_merge", attention_merge, (unsigned)blocks, 128, 0, stream, part, out, (int)n_split,
                        a->head_dim);
        return CHORD_OK;
    }
    return CHORD_OK;
}
