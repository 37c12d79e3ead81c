/* The model's device state, shared by model/llama.c (loading) and model/forward.c (the forward pass). */
#ifndef CHORD_LLAMA_INTERNAL_H
#define CHORD_LLAMA_INTERNAL_H

/* the ops the forward pass launches */
#include "add/add.h"
#include "attention/attention.h"
#include "dequant/dequant.h"
#include "matmul/matmul.h"
#include "matmul_add/matmul_add.h"
#include "matmul_qkv/matmul_qkv.h"
#include "matmul_swiglu/matmul_swiglu.h"
#include "rmsnorm_qkv/rmsnorm_qkv.h"
#include "rmsnorm_swiglu/rmsnorm_swiglu.h"
#include "rmsnorm/rmsnorm.h"
#include "rope/rope.h"
#include "softmax/softmax.h"
#include "swiglu/swiglu.h"
#include "llama.h"

/* One weight on the device: a matrix of n rows of k values (GGUF ne = [k, n]) stored in its GGUF type,
 * or a vector (n = 1) stored as f32 (norm weights are converted at load: rmsnorm takes f32). */
typedef struct llama_weight {
    chord_buf *buf;
    chord_type type;
    int64_t n, k;
    size_t row_bytes;
    const char *name; /* the GGUF tensor name, for error messages */
} llama_weight;

typedef struct llama_layer {
    llama_weight attn_norm;    /* (n_embd) f32 */
    llama_weight wq;           /* (n_head * head_dim, n_embd) */
    llama_weight wk, wv;       /* (n_head_kv * head_dim, n_embd) */
    llama_weight wo;           /* (n_embd, n_head * head_dim) */
    llama_weight ffn_norm;     /* (n_embd) f32 */
    llama_weight w_gate, w_up; /* (n_ff, n_embd) */
    llama_weight w_down;       /* (n_embd, n_ff) */
    /* (n_ctx, n_head_kv, head_dim) f32 each. The K and V projections write their rows straight into the
     * cache at the batch's first position, and RoPE turns K there in place, so no copy is launched. */
    chord_buf *k_cache, *v_cache;
} llama_layer;

struct chord_llama {
    chord_rt *rt;
    chord_llama_hparams hp;
    int n_ctx, n_batch;
    llama_weight tok_embd;    /* (n_vocab, n_embd), rows dequantized one token at a time */
    llama_weight output_norm; /* (n_embd) f32 */
    llama_weight output;      /* (n_vocab, n_embd); shares tok_embd's buffer when tied */
    llama_layer *layers;      /* n_layer */
    /* Scratch, allocated once for n_batch tokens. */
    chord_buf *x;         /* (n_batch, n_embd) the residual stream */
    chord_buf *xn;        /* (n_batch, n_embd) normed input of a sublayer */
    chord_buf *q;         /* (n_batch, n_head, head_dim) */
    chord_buf *att;       /* (n_batch, n_head, head_dim) attention output */
    chord_buf *proj;      /* (n_batch, n_embd) sublayer output before the residual add */
    chord_buf *gate, *up; /* (n_batch, n_ff) */
    chord_buf *logits;    /* (n_vocab) */
    float *host_logits;   /* (n_vocab) host copy for the argmax where the backend has no device argmax */
    int tiled_f32;        /* the backend runs matmul_tiled for this model's f32 weights */
    int ffn_fused;        /* decode steps launch matmul_swiglu for gate, up and SwiGLU (every layer's types fit) */
    int qkv_fused;        /* decode steps launch matmul_qkv for Q, K, V and their RoPE (every layer's types fit) */
    int qkv_norm_fused;   /* and rmsnorm_qkv, the attention norm too (CHORD_NORM_FUSED=0: not) */
    int ffn_norm_fused;   /* and rmsnorm_swiglu, the FFN norm too */
    int wo_add_fused;     /* decode steps launch matmul_add for Wo and the residual add (every layer's Wo fits) */
    int down_add_fused;   /* and for W_down (every layer's W_down fits) */
    size_t weight_bytes, cache_bytes;
    int file_layout, n_split; /* chord_llama_params.file_layout; matrices re-laid in a split form */
    int profile;              /* chord_llama_profile: sync and time every launch */
    double prof_ms[CHORD_OP_COUNT];
    int prof_n[CHORD_OP_COUNT];
};

/* Re-raises the current failure with context in front ("blk.3.attn_q.weight: ..."). */
chord_status llama_fail_ctx(chord_status s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* matmul_qkv's args for layer ly's decode step at position pos (model/llama.c) */
chord_matmul_qkv_args llama_qkv_args(const chord_llama *m, const llama_layer *ly, int pos);

/* The matmul op for weight w with m input rows: matmul_tiled for f32 weights when m > 1 and the backend
 * has it (quantized weights are read as stored by matmul, whose contract covers every type). */
chord_op llama_matmul_op(const chord_llama *m, const llama_weight *w, int rows);

#endif
