/* attention: causal scaled dot-product attention with grouped-query heads over a KV cache
 * (contract: kernels/attention/attention.h). One work-group of ATTN_WG items per (query token, head),
 * HEAD_DIM a compile-time define. Keys are taken ATTN_WG at a time: item l scores key j0 + l, the
 * tile's max and sum meet in local-memory trees, and the output accumulates with an online softmax
 * (running max m, running sum l, rescaled by exp(m_old - m_new)) in local memory, item d owning
 * dimensions d, d + ATTN_WG, ... (so V is read along its rows: coalesced). Keys past pos0 + t are
 * never loaded: the cache holds NaN there.
 *
 * Versions: v1 scores of all keys in local memory (bounded n_ctx); v2 (this) online softmax over
 * tiles: any context length, one pass over K and V. */
__kernel __attribute__((reqd_work_group_size(ATTN_WG, 1, 1)))
void attention(__global const uchar *qb, ulong q_off, __global const uchar *kb, ulong k_off, __global const uchar *vb,
               ulong v_off, __global uchar *ob, ulong o_off, int n_head, int n_head_kv, int pos0, float scale)
{
    __local float qs[HEAD_DIM];  /* this query */
    __local float acc[HEAD_DIM]; /* unnormalized output */
    __local float p[ATTN_WG];    /* the tile's weights exp(s - m) */
    __local float scratch[ATTN_WG];
    const int lid = get_local_id(0);
    const int h = get_group_id(0), t = get_group_id(1);
    const int hk = h / (n_head / n_head_kv);
    const int last = pos0 + t; /* the last key this query sees */
    __global const float *q = CHORD_AT_CONST(float, qb, q_off) + ((size_t)t * n_head + h) * HEAD_DIM; /* (head_dim) */
    __global const float *kc = CHORD_AT_CONST(float, kb, k_off); /* K (n_ctx, n_head_kv, head_dim) */
    __global const float *vc = CHORD_AT_CONST(float, vb, v_off); /* V (n_ctx, n_head_kv, head_dim) */
    __global float *o = CHORD_AT(float, ob, o_off) + ((size_t)t * n_head + h) * HEAD_DIM;
    const size_t kv_stride = (size_t)n_head_kv * HEAD_DIM;
    for (int d = lid; d < HEAD_DIM; d += ATTN_WG) {
        qs[d] = q[d];
        acc[d] = 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    float m_run = -INFINITY, l_run = 0.0f;
    for (int j0 = 0; j0 <= last; j0 += ATTN_WG) {
        const int j = j0 + lid;
        float s = -INFINITY;
        if (j <= last) {
            __global const float *kr = kc + (size_t)j * kv_stride + (size_t)hk * HEAD_DIM;
            float dot = 0.0f;
#pragma unroll 8
            for (int d = 0; d < HEAD_DIM; d++)
                dot = fma(qs[d], kr[d], dot);
            s = scale * dot;
        }
        const float m_new = fmax(m_run, chord_wg_max(s, scratch, ATTN_WG)); /* finite: key j0 is valid */
        const float e = j <= last ? exp(s - m_new) : 0.0f;
        p[lid] = e;
        const float tile_sum = chord_wg_sum(e, scratch, ATTN_WG); /* its barriers publish p[] */
        const float corr = exp(m_run - m_new);                  /* 0 on the first tile */
        l_run = l_run * corr + tile_sum;
        m_run = m_new;
        const int n_keys = min(ATTN_WG, last - j0 + 1);
        for (int d = lid; d < HEAD_DIM; d += ATTN_WG) {
            __global const float *vr = vc + (size_t)j0 * kv_stride + (size_t)hk * HEAD_DIM + d;
            float a = acc[d] * corr;
            for (int jj = 0; jj < n_keys; jj++)
                a = fma(p[jj], vr[(size_t)jj * kv_stride], a);
            acc[d] = a;
        }
        barrier(CLK_LOCAL_MEM_FENCE); /* p[] is rewritten by the next tile */
    }
    for (int d = lid; d < HEAD_DIM; d += ATTN_WG)
        o[d] = acc[d] / l_run;
}
