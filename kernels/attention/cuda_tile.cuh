/* attention, CUDA, v4: prompt batches (n_tok >= ATT_TILE_MIN_TOK) by tiles of queries sharing tiles of keys.
 *
 * v1 gives each (token, head) its own block, which reads every K and V row it sees from L2: at the 7B's pp512 that
 * is ~4.3 GB per layer (512 tokens x 32 heads x ~256 keys x 2 x 512 bytes), ~0.7 ms a layer, 18% of the prompt's
 * time once the GEMMs ran on the tensor cores. Here a block takes ATT_BQ queries of one head: each ATT_BK-key tile
 * of K and V goes into shared memory once and serves all ATT_BQ queries (64x fewer L2 bytes); a warp reads its
 * queries' values as broadcasts through L1 (a Q tile in shared memory would leave room for one block per SM).
 * Warp w owns queries 8 w .. 8 w + 7 of the tile; per key tile a lane forms the scores of keys lane and lane + 32
 * against its warp's 8 queries (float4 steps over head_dim: Q read as a broadcast, K rows padded by 4 floats so the
 * 32 lanes' rows fall in distinct banks), the warp takes each query's max by shuffles, the lane keeps its own part
 * of the softmax sum l, writes p = exp(s - m) to shared memory and accumulates P V for its head_dim / 32 columns
 * (d = lane + 32 i). The same float arithmetic as v1 (accurate expf, scale * q.k), in another order.
 * Expected: from L2-bound to FMA-bound, ~3-4x on the pp512 attention (0.7 -> ~0.2 ms a layer on the 7B).
 * Measured (H200, chord-bench, the same run; v1 in brackets): prefill 512 tok 32/32 heads d128 0.215 ms, 10.0
 * TFLOP/s [0.686 ms, 3.1]; 512 tok 32/8 heads d64 0.113 ms, 9.5 [0.386 ms, 2.8]. pp512 (chord bench-model): synthetic
 * 7B q4_0 4225 -> 4782 tokens/s, 1B q4_0 19041 -> 23328. 118-128 registers, no spills, two blocks per SM;
 * memcheck and racecheck clean on the case table. Next: the tensor cores (Q K^T and P V as split-bf16 mmas, as
 * the GEMM), and one K/V tile for the G query heads of a kv head (GQA) instead of one per head. */
#ifndef CHORD_CUDA_ATTN_TILE_CUH
#define CHORD_CUDA_ATTN_TILE_CUH

#define ATT_BQ 64 /* queries per block: 8 warps x 8 */
#define ATT_BK 64 /* keys per tile: 2 per lane */
#define ATT_QW 8  /* queries per warp */
#define ATT_TILE_MIN_TOK 16

template <int NI>                         /* head_dim <= 32 NI, head_dim % 4 == 0 */
__global__ void __launch_bounds__(256, 2) /* two blocks per SM: 128 registers, ~82 KiB of shared memory each */
    attention_tile_kernel(const float *__restrict__ q /* (n_tok, n_head, head_dim) */,
                          const float *__restrict__ k /* (n_ctx, n_head_kv, head_dim) */,
                          const float *__restrict__ v /* (n_ctx, n_head_kv, head_dim) */,
                          float *__restrict__ out /* (n_tok, n_head, head_dim) */, int n_tok, int n_head, int n_head_kv,
                          int head_dim, int pos0, float scale)
{
    extern __shared__ float4 att_smem[];
    const int ldk = head_dim + 4;       /* K rows padded: a float4 column per lane */
    float *ks = (float *)att_smem;      /* (ATT_BK, ldk) */
    float *vs = ks + ATT_BK * ldk;      /* (ATT_BK, head_dim) */
    float *ps = vs + ATT_BK * head_dim; /* (8 warps, ATT_QW, ATT_BK) */
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int h = blockIdx.y, hk = h / (n_head / n_head_kv), q0 = blockIdx.x * ATT_BQ;
    const int n_kv = pos0 + n_tok;
    const int hd4 = head_dim / 4;
    const size_t kv_stride = (size_t)n_head_kv * head_dim;

    float acc[ATT_QW][NI], m[ATT_QW], l[ATT_QW]; /* l: this lane's share of the sum */
#pragma unroll
    for (int r = 0; r < ATT_QW; r++) {
        m[r] = -INFINITY, l[r] = 0.0f;
#pragma unroll
        for (int i = 0; i < NI; i++)
            acc[r][i] = 0.0f;
    }
    const int qw0 = q0 + ATT_QW * warp; /* the warp's first query */
    /* its queries' rows as float4, one pointer and a stride (registers are what limits 2 blocks per SM); rows past
     * n_tok read row n_tok - 1 and are never stored */
    const int qrow0 = min(qw0, n_tok - 1), rmax = min(ATT_QW - 1, n_tok - 1 - qrow0);
    const float4 *qb = (const float4 *)(q + ((size_t)qrow0 * n_head + h) * head_dim);
    const int qstride = n_head * hd4;
    /* the last key any query of the block sees; queries past n_tok see at most up to n_kv - 1 */
    const int last_key = min(pos0 + q0 + ATT_BQ - 1, n_kv - 1);
    float *pw = ps + warp * ATT_QW * ATT_BK;

    for (int j0 = 0; j0 <= last_key; j0 += ATT_BK) {
        __syncthreads(); /* the last tile's K, V and p are read by every warp */
        for (int i = threadIdx.x; i < ATT_BK * hd4; i += blockDim.x) {
            const int r = i / hd4, c = i % hd4, j = j0 + r;
            float4 kx = make_float4(0.0f, 0.0f, 0.0f, 0.0f), vx = kx;
            if (j < n_kv) { /* rows past the cache's valid ones are never read */
                kx = *(const float4 *)(k + (size_t)j * kv_stride + (size_t)hk * head_dim + 4 * c);
                vx = *(const float4 *)(v + (size_t)j * kv_stride + (size_t)hk * head_dim + 4 * c);
            }
            *(float4 *)(ks + r * ldk + 4 * c) = kx;
            *(float4 *)(vs + r * head_dim + 4 * c) = vx;
        }
        __syncthreads();
        if (j0 > pos0 + qw0 + ATT_QW - 1) /* every query of this warp is before the tile: nothing to add */
            continue;
        float s[ATT_QW][2];
#pragma unroll
        for (int r = 0; r < ATT_QW; r++)
            s[r][0] = s[r][1] = 0.0f;
        const float *k0 = ks + lane * ldk, *k1 = ks + (lane + 32) * ldk;
        for (int c = 0; c < hd4; c++) {
            const float4 a = *(const float4 *)(k0 + 4 * c), b = *(const float4 *)(k1 + 4 * c);
#pragma unroll
            for (int r = 0; r < ATT_QW; r++) {
                const float4 x = __ldg(qb + min(r, rmax) * qstride + c);
                s[r][0] = fmaf(x.x, a.x, fmaf(x.y, a.y, fmaf(x.z, a.z, fmaf(x.w, a.w, s[r][0]))));
                s[r][1] = fmaf(x.x, b.x, fmaf(x.y, b.y, fmaf(x.z, b.z, fmaf(x.w, b.w, s[r][1]))));
            }
        }
#pragma unroll
        for (int r = 0; r < ATT_QW; r++) {
            const int last = min(pos0 + qw0 + r, n_kv - 1); /* this query's last key */
            const float s0 = j0 + lane <= last ? scale * s[r][0] : -INFINITY;
            const float s1 = j0 + lane + 32 <= last ? scale * s[r][1] : -INFINITY;
            float mx = fmaxf(s0, s1);
#pragma unroll
            for (int o = 16; o > 0; o >>= 1)
                mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
            const float mn = fmaxf(m[r], mx); /* finite: key j0 <= last for the first tile of every query */
            const float corr = expf(m[r] - mn);
            const float p0 = expf(s0 - mn), p1 = expf(s1 - mn);
            l[r] = l[r] * corr + p0 + p1;
            m[r] = mn;
#pragma unroll
            for (int i = 0; i < NI; i++)
                acc[r][i] *= corr;
            pw[r * ATT_BK + lane] = p0;
            pw[r * ATT_BK + lane + 32] = p1;
        }
        __syncwarp();
        const int n_keys = min(ATT_BK, last_key - j0 + 1);
        for (int jj = 0; jj < n_keys; jj += 4) { /* ATT_BK % 4 == 0; keys past the tile's end carry p = 0 */
            float vv[4][NI];
#pragma unroll
            for (int u = 0; u < 4; u++)
#pragma unroll
                for (int i = 0; i < NI; i++) {
                    const int d = lane + 32 * i;
                    vv[u][i] = d < head_dim ? vs[(jj + u) * head_dim + d] : 0.0f;
                }
#pragma unroll
            for (int r = 0; r < ATT_QW; r++) {
                const float4 p = *(const float4 *)(pw + r * ATT_BK + jj);
#pragma unroll
                for (int i = 0; i < NI; i++)
                    acc[r][i] =
                        fmaf(p.w, vv[3][i], fmaf(p.z, vv[2][i], fmaf(p.y, vv[1][i], fmaf(p.x, vv[0][i], acc[r][i]))));
            }
        }
        __syncwarp(); /* p is rewritten by the next tile */
    }
#pragma unroll
    for (int r = 0; r < ATT_QW; r++) {
        float sum = l[r];
#pragma unroll
        for (int o = 16; o > 0; o >>= 1)
            sum += __shfl_xor_sync(0xffffffffu, sum, o);
        const int t = qw0 + r;
        if (t >= n_tok)
            continue;
        const float inv = 1.0f / sum;
        float *o = out + ((size_t)t * n_head + h) * head_dim;
#pragma unroll
        for (int i = 0; i < NI; i++) {
            const int d = lane + 32 * i;
            if (d < head_dim)
                o[d] = acc[r][i] * inv;
        }
    }
}

/* *ran = 0 when v4 does not take the call (few tokens, a head_dim it does not serve, unaligned tensors) */
static chord_status attention_tile_launch(const float *q, const float *k, const float *v, float *out,
                                          const chord_attention_args *a, cudaStream_t stream, int *ran)
{
    *ran = 0;
    static int off = -1;
    if (off < 0) {
        const char *e = getenv("CHORD_CUDA_ATTN_TILE");
        off = e && !strcmp(e, "0");
    }
    if (off || a->n_tok < ATT_TILE_MIN_TOK || a->head_dim % 4 || a->head_dim > 128 || !chord_cuda_aligned(q, 16) ||
        !chord_cuda_aligned(k, 16) || !chord_cuda_aligned(v, 16) || (a->n_tok + ATT_BQ - 1) / ATT_BQ > 0x7fffffff ||
        a->n_head > 65535)
        return CHORD_OK;
    *ran = 1;
    const size_t smem =
        ((size_t)ATT_BK * (a->head_dim + 4) + (size_t)ATT_BK * a->head_dim + 8 * ATT_QW * ATT_BK) * sizeof(float);
    const dim3 grid((unsigned)((a->n_tok + ATT_BQ - 1) / ATT_BQ), (unsigned)a->n_head);
#define ATT_TILE(NI)                                                                                                  \
    do {                                                                                                              \
        CHORD_CUDA_CHECK(                                                                                             \
            cudaFuncSetAttribute(attention_tile_kernel<NI>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem)); \
        attention_tile_kernel<NI><<<grid, 256, smem, stream>>>(q, k, v, out, a->n_tok, a->n_head, a->n_head_kv,       \
                                                               a->head_dim, a->pos0, a->scale);                       \
    } while (0)
    if (a->head_dim <= 32)
        ATT_TILE(1);
    else if (a->head_dim <= 64)
        ATT_TILE(2);
    else
        ATT_TILE(4);
#undef ATT_TILE
    CHORD_CUDA_CHECK_LAUNCH("attention_tile_kernel");
    return CHORD_OK;
}

#endif
