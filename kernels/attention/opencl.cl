/* attention: causal scaled dot-product attention with grouped-query heads over a KV cache
 * (contract: kernels/attention/attention.h). HEAD_DIM is a compile-time define.
 * A work-group of ATTN_WG items serves one (query token t, head h) and a range of keys: item l scores
 * key j0 + l of each tile of ATTN_WG keys, the tile's max and sum meet in local-memory trees, and the
 * output accumulates with an online softmax (running max m, running sum l, rescaled by
 * exp(m_old - m_new)) in local memory, item d owning dimensions d, d + ATTN_WG, ... (so V is read
 * along its rows: coalesced). Keys past pos0 + t are never loaded: the cache holds NaN there.
 * Three programs from this file:
 *   default       one group per (t, h) over all its keys, writing OUT;
 *   ATTN_SPLIT    group (t, h, s) over the s-th range of keys, writing (m, l, acc[HEAD_DIM]) to PART;
 *   ATTN_COMBINE  group (t, h) merging the splits: out = sum_s e^(m_s - M) acc_s / sum_s e^(m_s - M) l_s.
 * The split form is what decode (one token, a few dozen heads) needs to fill a GPU.
 *
 * Versions: v1 scores of all keys in local memory (bounded n_ctx); v2 online softmax over tiles:
 * any context length, one pass over K and V; v3 the key range split across work-groups
 * (flash-decoding) when tokens x heads alone leave compute units idle; v4 (this) KV16: K rows read
 * as float4 when the cache is 16-byte aligned (a quarter of the load instructions per score). */

#ifndef ATTN_COMBINE

/* Attends keys [j_begin, j_end) (j_end <= pos0 + t + 1) of query q: leaves the unnormalized output
 * in acc[] and returns (m, l). always_inline for the reason chord_wg_sum gives (common/opencl_common.cl):
 * PoCL shares a __local array that only an out-of-line function touches across all its threads. */
static inline __attribute__((always_inline)) float2 chord_attend(__local float *qs, __local float *acc, __local float *p, __local float *scratch,
                           __global const float *kc, __global const float *vc, size_t kv_stride, int hk, int j_begin,
                           int j_end, float scale)
{
    const int lid = get_local_id(0);
    float m_run = -INFINITY, l_run = 0.0f;
    for (int j0 = j_begin; j0 < j_end; j0 += ATTN_WG) {
        const int j = j0 + lid;
        float s = -INFINITY;
        if (j < j_end) {
            __global const float *kr = kc + (size_t)j * kv_stride + (size_t)hk * HEAD_DIM;
            float dot = 0.0f;
#if KV16 /* K rows 16-byte aligned: one 16-byte load per 4 values */
            __global const float4 *kr4 = (__global const float4 *)kr;
            __local const float4 *qs4 = (__local const float4 *)qs;
#pragma unroll 8
            for (int d = 0; d < HEAD_DIM / 4; d++) {
                const float4 kv = kr4[d], qv = qs4[d];
                dot = fma(qv.x, kv.x, dot);
                dot = fma(qv.y, kv.y, dot);
                dot = fma(qv.z, kv.z, dot);
                dot = fma(qv.w, kv.w, dot);
            }
#else
#pragma unroll 8
            for (int d = 0; d < HEAD_DIM; d++)
                dot = fma(qs[d], kr[d], dot);
#endif
            s = scale * dot;
        }
        const float m_new = fmax(m_run, chord_wg_max(s, scratch, ATTN_WG)); /* finite: key j0 is valid */
        const float e = j < j_end ? exp(s - m_new) : 0.0f;
        p[lid] = e;
        const float tile_sum = chord_wg_sum(e, scratch, ATTN_WG); /* its barriers publish p[] */
        const float corr = exp(m_run - m_new);                  /* 0 on the first tile */
        l_run = l_run * corr + tile_sum;
        m_run = m_new;
        const int n_keys = min(ATTN_WG, j_end - j0);
        for (int d = lid; d < HEAD_DIM; d += ATTN_WG) {
            __global const float *vr = vc + (size_t)j0 * kv_stride + (size_t)hk * HEAD_DIM + d;
            float a = acc[d] * corr;
            for (int jj = 0; jj < n_keys; jj++)
                a = fma(p[jj], vr[(size_t)jj * kv_stride], a);
            acc[d] = a;
        }
        barrier(CLK_LOCAL_MEM_FENCE); /* p[] is rewritten by the next tile */
    }
    return (float2)(m_run, l_run);
}

__kernel __attribute__((reqd_work_group_size(ATTN_WG, 1, 1)))
void attention(__global const uchar *qb, ulong q_off, __global const uchar *kb, ulong k_off, __global const uchar *vb,
               ulong v_off, __global uchar *ob, ulong o_off, int n_head, int n_head_kv, int pos0, float scale,
               int keys_per_split)
{
    __local float4 qs4[(HEAD_DIM + 3) / 4]; /* this query (float4s: aligned for KV16) */
    __local float *qs = (__local float *)qs4;
    __local float acc[HEAD_DIM]; /* unnormalized output */
    __local float p[ATTN_WG];    /* the tile's weights exp(s - m) */
    __local float scratch[ATTN_WG];
    const int lid = get_local_id(0);
    const int h = get_group_id(0), t = get_group_id(1);
    const int hk = h / (n_head / n_head_kv);
    __global const float *q = CHORD_AT_CONST(float, qb, q_off) + ((size_t)t * n_head + h) * HEAD_DIM; /* (head_dim) */
    __global const float *kc = CHORD_AT_CONST(float, kb, k_off); /* K (n_ctx, n_head_kv, head_dim) */
    __global const float *vc = CHORD_AT_CONST(float, vb, v_off); /* V (n_ctx, n_head_kv, head_dim) */
    for (int d = lid; d < HEAD_DIM; d += ATTN_WG) {
        qs[d] = q[d];
        acc[d] = 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    const size_t kv_stride = (size_t)n_head_kv * HEAD_DIM;
    const int n_visible = pos0 + t + 1; /* keys 0 .. pos0 + t */
#ifdef ATTN_SPLIT
    const int s = get_group_id(2), n_split = get_num_groups(2);
    const int j_begin = min(s * keys_per_split, n_visible), j_end = min(j_begin + keys_per_split, n_visible);
    const float2 ml = chord_attend(qs, acc, p, scratch, kc, vc, kv_stride, hk, j_begin, j_end, scale);
    /* PART (n_tok, n_head, n_split, 2 + head_dim): m, l, then acc; an empty range leaves m = -inf, l = 0 */
    __global float *part = CHORD_AT(float, ob, o_off) + (((size_t)t * n_head + h) * n_split + s) * (2 + HEAD_DIM);
    if (lid == 0) {
        part[0] = ml.x;
        part[1] = ml.y;
    }
    for (int d = lid; d < HEAD_DIM; d += ATTN_WG)
        part[2 + d] = acc[d];
#else
    (void)keys_per_split;
    const float2 ml = chord_attend(qs, acc, p, scratch, kc, vc, kv_stride, hk, 0, n_visible, scale);
    __global float *o = CHORD_AT(float, ob, o_off) + ((size_t)t * n_head + h) * HEAD_DIM; /* (head_dim) of OUT */
    for (int d = lid; d < HEAD_DIM; d += ATTN_WG)
        o[d] = acc[d] / ml.y;
#endif
}

#else /* ATTN_COMBINE */

__kernel __attribute__((reqd_work_group_size(ATTN_WG, 1, 1)))
void attention(__global const uchar *pb, ulong p_off, __global uchar *ob, ulong o_off, int n_head, int n_split)
{
    const int lid = get_local_id(0);
    const int h = get_group_id(0), t = get_group_id(1);
    /* PART (n_tok, n_head, n_split, 2 + head_dim), OUT (n_tok, n_head, head_dim) */
    __global const float *part = CHORD_AT_CONST(float, pb, p_off) + ((size_t)t * n_head + h) * n_split * (2 + HEAD_DIM);
    __global float *o = CHORD_AT(float, ob, o_off) + ((size_t)t * n_head + h) * HEAD_DIM;
    float mx = -INFINITY;
    for (int s = 0; s < n_split; s++)
        mx = fmax(mx, part[(size_t)s * (2 + HEAD_DIM)]); /* split 0 holds key 0: mx is finite */
    float l = 0.0f;
    for (int s = 0; s < n_split; s++) {
        __global const float *ps = part + (size_t)s * (2 + HEAD_DIM);
        l += ps[1] * exp(ps[0] - mx);
    }
    for (int d = lid; d < HEAD_DIM; d += ATTN_WG) {
        float a = 0.0f;
        for (int s = 0; s < n_split; s++) {
            __global const float *ps = part + (size_t)s * (2 + HEAD_DIM);
            a += ps[2 + d] * exp(ps[0] - mx);
        }
        o[d] = a / l;
    }
}

#endif
