/* attention on the cpu backend: one work item per (query head, token), ordered head-major so a thread's items share
 * their kv head's K and V in cache (prefill splits over query rows, decode over heads). Each item is an online
 * softmax over TILE keys at a time: the tile's scores, then the running max, the rescale of the sum and of the
 * output row (OUT itself is the accumulator: it aliases nothing), then the tile's weighted V rows. Float, with
 * cpu_math.h's exp and dot products. Keys past pos0 + t are never read. */
#include <math.h>

#include "../common/cpu_launch.h"
#include "../common/cpu_math.h"
#include "attention.h"

#define TILE 64

static void attend(const chord_cpu_job *j, int h, int t)
{
    const chord_attention_args *a = j->args;
    const int D = a->head_dim, hk = h / (a->n_head / a->n_head_kv), last = a->pos0 + t;
    const size_t kv_stride = (size_t)a->n_head_kv * D;
    /* Q, OUT: (n_tok, n_head, head_dim); K, V: (n_ctx, n_head_kv, head_dim), key j of kv head hk at j * kv_stride */
    const float *qv = (const float *)j->t[0] + ((size_t)t * a->n_head + h) * D; /* (head_dim) */
    float *o = (float *)j->t[3] + ((size_t)t * a->n_head + h) * D; /* (head_dim), the running weighted sum */
    const float *k = (const float *)j->t[1] + (size_t)hk * D, *v = (const float *)j->t[2] + (size_t)hk * D;
    float score[TILE], max = -INFINITY, sum = 0;
    for (int d = 0; d < D; d++)
        o[d] = 0;
    for (int j0 = 0; j0 <= last; j0 += TILE) {
        const int nj = last + 1 - j0 < TILE ? last + 1 - j0 : TILE;
        float tile_max = -INFINITY;
        for (int i = 0; i < nj; i++) {
            score[i] = a->scale * chord_cpu_dot(qv, k + (size_t)(j0 + i) * kv_stride, D);
            tile_max = fmaxf(tile_max, score[i]);
        }
        if (tile_max > max) { /* a new max: what was summed so far shrinks by e^(old - new) */
            const float shrink = max == -INFINITY ? 0.0f : chord_cpu_expf(max - tile_max);
            sum *= shrink;
            for (int d = 0; d < D; d++)
                o[d] *= shrink;
            max = tile_max;
        }
        for (int i = 0; i < nj; i++) {
            const float p = chord_cpu_expf(score[i] - max);
            const float *vr = v + (size_t)(j0 + i) * kv_stride;
            sum += p;
            for (int d = 0; d < D; d++)
                o[d] += p * vr[d];
        }
    }
    const float inv = 1.0f / sum;
    for (int d = 0; d < D; d++)
        o[d] *= inv;
}

static void attention_items(const chord_cpu_job *j, int64_t i0, int64_t i1)
{
    const int n_tok = ((const chord_attention_args *)j->args)->n_tok;
    for (int64_t i = i0; i < i1; i++) /* item i: head i / n_tok, token i % n_tok */
        attend(j, (int)(i / n_tok), (int)(i % n_tok));
}

chord_status chord_attention_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    const chord_attention_args *a = args;
    if (!t || a->n_tok == 0) /* a support query: every shape */
        return CHORD_OK;
    return chord_cpu_launch_items(ctx, t, 4, a, (int64_t)a->n_head * a->n_tok, 1, 1, attention_items);
}
