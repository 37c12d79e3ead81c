/* attention reference: for each query, scores scale * q.k over keys 0 .. pos0 + t of its kv head, a
 * max-subtracted softmax and the weighted sum of V, all in double. Keys and values past pos0 + t are
 * never read (tests fill them with NaN). The scores and the output sum need scratch: if it cannot
 * be allocated the output is filled with NaN, since this void reference cannot report a status. */
#include <math.h>
#include <stdlib.h>

#include "attention.h"
#include "../common/ref_launch.h"

void chord_attention_reference(const float *q, const float *k, const float *v, float *out,
                               const chord_attention_args *a)
{
    /* q, out: (n_tok, n_head, head_dim); k, v: (n_ctx, n_head_kv, head_dim) */
    const int D = a->head_dim;
    const int group = a->n_head / a->n_head_kv; /* query heads per kv head */
    const size_t n_out = (size_t)a->n_tok * a->n_head * D;
    const size_t n_kv = (size_t)a->pos0 + a->n_tok;
    double *score = malloc(n_kv * sizeof *score);  /* (n_kv) */
    double *acc = malloc((size_t)D * sizeof *acc); /* (head_dim) */
    if (!score || !acc) {
        for (size_t i = 0; i < n_out; i++)
            out[i] = NAN;
        free(score);
        free(acc);
        return;
    }
    for (int t = 0; t < a->n_tok; t++) {
        const int last = a->pos0 + t; /* the last key this query sees */
        for (int h = 0; h < a->n_head; h++) {
            const int hk = h / group;
            const float *qv = q + ((size_t)t * a->n_head + h) * D;
            double max = -INFINITY;
            for (int j = 0; j <= last; j++) {
                const float *kv = k + ((size_t)j * a->n_head_kv + hk) * D;
                double dot = 0.0;
                for (int d = 0; d < D; d++)
                    dot += (double)qv[d] * (double)kv[d];
                score[j] = (double)a->scale * dot;
                if (score[j] > max)
                    max = score[j];
            }
            double sum = 0.0;
            for (int d = 0; d < D; d++)
                acc[d] = 0.0;
            for (int j = 0; j <= last; j++) {
                const double p = exp(score[j] - max);
                const float *vv = v + ((size_t)j * a->n_head_kv + hk) * D;
                sum += p;
                for (int d = 0; d < D; d++)
                    acc[d] += p * (double)vv[d];
            }
            float *o = out + ((size_t)t * a->n_head + h) * D;
            for (int d = 0; d < D; d++)
                o[d] = (float)(acc[d] / sum);
        }
    }
    free(score);
    free(acc);
}

chord_status chord_attention_ref(void *ctx, const chord_tensor *t, const void *args)
{
    (void)ctx;
    if (t) /* Q, K, V, OUT as in attention.h; without tensors: a support query, and ref runs every shape */
        chord_attention_reference(chord_ref_ptr(t[0]), chord_ref_ptr(t[1]), chord_ref_ptr(t[2]), chord_ref_ptr(t[3]),
                                  args);
    return CHORD_OK;
}
