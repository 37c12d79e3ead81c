/* A Llama-family transformer on any backend. The weights go to the device in their GGUF bytes (quantized
 * matmuls read them as stored), the KV cache lives on the device, and the forward pass is written once against
 * the runtime's op table, so every backend runs the same sequence of launches. */
#ifndef CHORD_LLAMA_H
#define CHORD_LLAMA_H

#include <stddef.h>
#include <stdint.h>

#include "chord.h"
#include "rope/rope.h" /* rope_mode takes its values */
#include "gguf.h"

typedef struct chord_llama_hparams {
    char arch[32]; /* general.architecture */
    int n_vocab;
    int n_embd; /* residual stream width */
    int n_layer;
    int n_head, n_head_kv, head_dim;
    int n_ff; /* FFN hidden width */
    int n_ctx_train;
    int n_rot;     /* values of each head that RoPE turns */
    int rope_mode; /* CHORD_ROPE_NORMAL / CHORD_ROPE_NEOX */
    float rope_theta;
    float norm_eps;
    int tied_output;                   /* logits from token_embd.weight (no output.weight) */
    chord_type embd_type, matmul_type; /* token_embd's type; the type of blk.0.attn_q (for display) */
} chord_llama_hparams;

#define CHORD_LLAMA_MAX_CTX (1 << 20) /* KV cache positions: position offsets stay far from int overflow */

typedef struct chord_llama_params {
    int n_ctx;   /* KV cache length in tokens; 0: min(n_ctx_train, 2048); at most CHORD_LLAMA_MAX_CTX, and what the
                  * device's memory holds (CHORD_ERR_NOMEM naming the largest n_ctx that fits, before any upload) */
    int n_batch; /* prompt tokens per forward pass; 0: 32 */
    /* Called after each tensor is on the device (done of total, bytes so far); may be NULL. */
    void (*progress)(void *user, int done, int total, size_t bytes);
    void *progress_user;
    /* 1: every matrix keeps its file layout. 0: q4_0 / q4_1 / q8_0 matrices with k % 256 == 0 are re-laid at load
     * as their split forms (kernels/common/types.h: the same values, 16-byte aligned) where the backend runs every
     * op the forward pass gives them in that form. */
    int file_layout;
} chord_llama_params;

typedef struct chord_llama chord_llama;

/* Reads hyperparameters from g's metadata, checks every tensor's shape and that rt supports every op and weight
 * type the forward pass launches (CHORD_ERR_UNSUPPORTED naming the op, type and tensor otherwise), uploads the
 * weights and allocates the KV cache and scratch buffers once. g must outlive the model. */
chord_status chord_llama_load(chord_rt *rt, const chord_gguf *g, const chord_llama_params *p, chord_llama **out);
void chord_llama_free(chord_llama *m);

/* Hyperparameters only (no device, no upload): what `load` would use. */
chord_status chord_llama_read_hparams(const chord_gguf *g, chord_llama_hparams *hp);
/* The context length `load` uses for a requested n_ctx (0: min(n_ctx_train, 2048)). */
int chord_llama_resolve_n_ctx(const chord_llama_hparams *hp, int n_ctx);

const chord_llama_hparams *chord_llama_get_hparams(const chord_llama *m);
/* Matrices loaded in a split form (chord_llama_params.file_layout). */
int chord_llama_n_split(const chord_llama *m);
int chord_llama_n_ctx(const chord_llama *m);
int chord_llama_n_batch(const chord_llama *m);
size_t chord_llama_weight_bytes(const chord_llama *m); /* bytes uploaded for weights */
size_t chord_llama_cache_bytes(const chord_llama *m);  /* KV cache bytes on the device */

/* Runs tokens[0 .. n_tok) at positions pos0 .. pos0 + n_tok - 1 in batches of n_batch. The cache must hold
 * positions < pos0 from earlier calls (positions >= pos0 are overwritten, so pos0 = 0 starts over).
 * When logits is not NULL, the last token's logits (n_vocab floats) are written there; only that token's
 * logits are computed. Fails with CHORD_ERR_INVALID when pos0 + n_tok exceeds the context. */
chord_status chord_llama_eval(chord_llama *m, const int32_t *tokens, int n_tok, int pos0, float *logits);
/* The same, with every position's logits: logits (n_tok, n_vocab), row i after tokens[i] at pos0 + i, each row
 * computed by the very launches that give the last row in chord_llama_eval (so row n_tok - 1 is bit-identical). */
chord_status chord_llama_eval_all(chord_llama *m, const int32_t *tokens, int n_tok, int pos0, float *logits);
/* The same run as chord_llama_eval, with greedy decoding's next token in *next instead of the logits: the
 * argmax of the last token's logits, ties to the lowest id (chord_logits_argmax of what chord_llama_eval would
 * give). Taken on the device where the backend can (chord_has_argmax), so only the id crosses to the host.
 * CHORD_ERR_INVALID when a logit is NaN (the sampler's rule). */
chord_status chord_llama_eval_argmax(chord_llama *m, const int32_t *tokens, int n_tok, int pos0, int32_t *next);

/* Per-op profile: while on, every launch is followed by a sync and its wall time is added to its op (this
 * serializes the device, so rates measured meanwhile are not the real ones). Turning it on clears the sums.
 * profile_get returns the launch count and writes the total milliseconds. */
void chord_llama_profile(chord_llama *m, int on);
int chord_llama_profile_get(const chord_llama *m, chord_op op, double *ms);

/* Comparing a backend's logits with the reference's (used by `chord run --verify` and tests/test_model.c).
 * A step agrees when
 *   NMSE = sum((got - ref)^2) / sum(ref^2) <= CHORD_LOGITS_NMSE_MAX, and
 *   got's top-1 token is ref's top-1, or ref rates got's top-1 within CHORD_LOGITS_TIE_REL * max(1, |ref top-1|)
 *   of its own top-1 (a near tie that float reassociation may legitimately flip).
 * Why 1e-5: every op is f32 on every backend; backends differ from the reference (which sums in double) only by
 * the order of f32 additions and libm-grade exp/sin/cos, about 1e-7 relative per dot product of k <= 1536 terms.
 * Through 30 layers of residual stream that stays far below the bound (PoCL measures 1e-13 .. 1e-11 on SmolLM2,
 * tests/test_model.c logs it); a wrong kernel (a wrong scale, a missed block, an off-by-one position) lands at 1e-3
 * or above, and a value rounded through f16 somewhere at about 1e-7 .. 1e-6. */
#define CHORD_LOGITS_NMSE_MAX 1e-5
#define CHORD_LOGITS_TIE_REL 1e-3
typedef struct chord_logits_cmp {
    double nmse;
    int ref_top1, got_top1;
    double ref_gap; /* ref[ref_top1] - ref[got_top1] (0 when they agree) */
    int ok;         /* the rule above holds */
} chord_logits_cmp;
chord_logits_cmp chord_logits_compare(const float *ref, const float *got, int n_vocab);
int chord_logits_argmax(const float *logits, int n_vocab);

#endif
