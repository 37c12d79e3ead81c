/* attention: causal scaled dot-product attention with grouped-query heads over a KV cache.
 *   tensors: 0 Q (n_tok, n_head, head_dim) f32
 *            1 K (n_ctx, n_head_kv, head_dim) f32, the cache; rows 0 .. pos0 + n_tok - 1 are valid
 *            2 V (n_ctx, n_head_kv, head_dim) f32, likewise
 *            3 OUT (n_tok, n_head, head_dim) f32, must not alias the inputs
 * Query t (position pos0 + t) of head h attends keys j <= pos0 + t of kv head h / (n_head / n_head_kv)
 * with weights softmax(scale * q.k). n_head is a multiple of n_head_kv. */
#ifndef CHORD_ATTENTION_H
#define CHORD_ATTENTION_H

typedef struct chord_attention_args {
    int n_tok, n_head, n_head_kv, head_dim;
    int pos0;
    float scale; /* usually 1 / sqrt(head_dim) */
} chord_attention_args;

void chord_attention_reference(const float *q, const float *k, const float *v, float *out,
                               const chord_attention_args *a);

#endif
