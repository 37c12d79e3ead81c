/* Loading a Llama-family model: hyperparameters from GGUF metadata, strict shape and type checks, a check that
 * the backend runs every op the forward pass will launch (no silent fallback), then one upload per tensor in its
 * GGUF bytes and the device-side KV cache and scratch. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llama_internal.h"

chord_status llama_fail_ctx(chord_status s, const char *fmt, ...)
{
    char ctx[256]; /* fmt names a tensor or buffer: at most 128 bytes plus words */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    return chord_fail(s, "%s: %s", ctx, chord_last_error());
}

chord_op llama_matmul_op(const chord_llama *m, const llama_weight *w, int rows)
{
    return rows > 1 && w->type == CHORD_TYPE_F32 && m->tiled_f32 ? CHORD_OP_MATMUL_TILED : CHORD_OP_MATMUL;
}

/* ---- hyperparameters ---- */

chord_matmul_qkv_args llama_qkv_args(const chord_llama *m, const llama_layer *ly, int pos)
{
    const chord_llama_hparams *hp = &m->hp;
    const chord_matmul_qkv_args a = {1,          (int)ly->wq.k, ly->wq.type,  hp->n_head, hp->n_head_kv, hp->head_dim,
                                     hp->n_rot, hp->rope_mode, hp->rope_theta, pos};
    return a;
}

static chord_status get_int_key(const chord_gguf *g, const char *arch, const char *suffix, int required, int dflt,
                                int *out)
{
    char key[128];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    int64_t v;
    if (!chord_gguf_has(g, key)) {
        if (required)
            return chord_fail(CHORD_ERR_FORMAT, "model metadata lacks %s", key);
        *out = dflt;
        return CHORD_OK;
    }
    CHORD_TRY(chord_gguf_get_int(g, key, &v));
    if (v <= 0 || v > (1 << 30))
        return chord_fail(CHORD_ERR_FORMAT, "model metadata %s = %lld is out of range", key, (long long)v);
    *out = (int)v;
    return CHORD_OK;
}

static chord_status get_float_key(const chord_gguf *g, const char *arch, const char *suffix, float dflt, float *out)
{
    char key[128];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    double v;
    if (!chord_gguf_has(g, key)) {
        *out = dflt;
        return CHORD_OK;
    }
    CHORD_TRY(chord_gguf_get_float(g, key, &v));
    const float f = (float)v; /* a positive double can round to 0 or overflow to inf as the float chord keeps */
    if (!(v > 0) || !isfinite(f) || !(f > 0))
        return chord_fail(CHORD_ERR_FORMAT, "model metadata %s = %g must be positive and finite as a float", key, v);
    *out = f;
    return CHORD_OK;
}

/* Architectures whose GGUF tensors follow llama's names and layout (no biases, SwiGLU, RMSNorm), with the RoPE
 * each one uses: llama.cpp's converter permutes Q/K rows of these so that adjacent pairs rotate (NORMAL). */
static const struct {
    const char *arch;
    int rope_mode;
} known_archs[] = {{"llama", CHORD_ROPE_NORMAL}, {"mistral", CHORD_ROPE_NORMAL}};

chord_status chord_llama_read_hparams(const chord_gguf *g, chord_llama_hparams *hp)
{
    memset(hp, 0, sizeof *hp);
    chord_gguf_str arch;
    if (!chord_gguf_has(g, "general.architecture"))
        return chord_fail(CHORD_ERR_FORMAT, "model metadata lacks general.architecture");
    CHORD_TRY(chord_gguf_get_str(g, "general.architecture", &arch)); /* present but not a string: its type named */
    if (arch.len == 0 || arch.len >= sizeof hp->arch)
        return chord_fail(CHORD_ERR_FORMAT, "general.architecture has a bad length (%llu)",
                          (unsigned long long)arch.len);
    memcpy(hp->arch, arch.ptr, arch.len);
    hp->arch[arch.len] = 0;
    int known = -1;
    for (size_t i = 0; i < sizeof known_archs / sizeof known_archs[0]; i++)
        if (!strcmp(hp->arch, known_archs[i].arch))
            known = (int)i;
    if (known < 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "architecture '%s' is not supported (llama, mistral)", hp->arch);
    hp->rope_mode = known_archs[known].rope_mode;

    const char *a = hp->arch;
    CHORD_TRY(get_int_key(g, a, "embedding_length", 1, 0, &hp->n_embd));
    CHORD_TRY(get_int_key(g, a, "block_count", 1, 0, &hp->n_layer));
    /* the count sizes the layer table: it must be backed by tensors before anything is allocated from it */
    if ((int64_t)hp->n_layer * 9 + 2 > chord_gguf_n_tensors(g))
        return chord_fail(CHORD_ERR_FORMAT,
                          "%s.block_count %d needs %lld tensors (9 per block, token_embd, output_norm); "
                          "the file has %lld",
                          a, hp->n_layer, (long long)hp->n_layer * 9 + 2, (long long)chord_gguf_n_tensors(g));
    CHORD_TRY(get_int_key(g, a, "feed_forward_length", 1, 0, &hp->n_ff));
    CHORD_TRY(get_int_key(g, a, "attention.head_count", 1, 0, &hp->n_head));
    CHORD_TRY(get_int_key(g, a, "attention.head_count_kv", 0, hp->n_head, &hp->n_head_kv));
    CHORD_TRY(get_int_key(g, a, "context_length", 0, 2048, &hp->n_ctx_train));
    if (hp->n_embd % hp->n_head)
        return chord_fail(CHORD_ERR_FORMAT, "n_embd %d is not a multiple of n_head %d", hp->n_embd, hp->n_head);
    CHORD_TRY(get_int_key(g, a, "attention.key_length", 0, hp->n_embd / hp->n_head, &hp->head_dim));
    int v_len = 0;
    CHORD_TRY(get_int_key(g, a, "attention.value_length", 0, hp->head_dim, &v_len));
    if (v_len != hp->head_dim)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "key_length %d != value_length %d", hp->head_dim, v_len);
    CHORD_TRY(get_int_key(g, a, "rope.dimension_count", 0, hp->head_dim, &hp->n_rot));
    if (hp->n_head % hp->n_head_kv)
        return chord_fail(CHORD_ERR_FORMAT, "n_head %d is not a multiple of n_head_kv %d", hp->n_head, hp->n_head_kv);
    if (hp->n_rot > hp->head_dim || hp->n_rot % 2)
        return chord_fail(CHORD_ERR_FORMAT, "rope.dimension_count %d: must be even and <= head_dim %d", hp->n_rot,
                          hp->head_dim);
    CHORD_TRY(get_float_key(g, a, "rope.freq_base", 10000.0f, &hp->rope_theta));
    CHORD_TRY(get_float_key(g, a, "attention.layer_norm_rms_epsilon", 1e-5f, &hp->norm_eps));
    char key[128];
    snprintf(key, sizeof key, "%s.rope.scaling.type", a);
    chord_gguf_str st;
    if (chord_gguf_get_str(g, key, &st) == CHORD_OK && !chord_gguf_str_eq(st, "none"))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "%s '%.*s' is not supported", key, (int)st.len, st.ptr);

    const chord_gguf_tensor *te = chord_gguf_find_tensor(g, "token_embd.weight");
    if (!te)
        return chord_fail(CHORD_ERR_FORMAT, "model lacks token_embd.weight");
    if (te->n_dims != 2 || te->ne[0] != hp->n_embd || te->ne[1] <= 0 || te->ne[1] > (1 << 24))
        return chord_fail(CHORD_ERR_FORMAT, "token_embd.weight has shape [%lld, %lld], expected [%d, n_vocab]",
                          (long long)te->ne[0], (long long)te->ne[1], hp->n_embd);
    hp->n_vocab = (int)te->ne[1];
    uint64_t n_tokens = 0;
    const chord_gguf_str *pieces;
    if (chord_gguf_get_str_array(g, "tokenizer.ggml.tokens", &n_tokens, &pieces) == CHORD_OK &&
        n_tokens > (uint64_t)hp->n_vocab) /* a smaller vocabulary is padding rows; a larger one has ids with no row */
        return chord_fail(CHORD_ERR_FORMAT, "the tokenizer has %llu tokens but token_embd.weight has %d rows",
                          (unsigned long long)n_tokens, hp->n_vocab);
    hp->embd_type = te->type;
    hp->tied_output = chord_gguf_find_tensor(g, "output.weight") == NULL;
    const chord_gguf_tensor *tq = chord_gguf_find_tensor(g, "blk.0.attn_q.weight");
    hp->matmul_type = tq ? tq->type : te->type;
    return CHORD_OK;
}

/* ---- loading ---- */

typedef struct loader {
    chord_llama *m;
    const chord_gguf *g;
    const chord_llama_params *p;
    int done, total;
    void *scratch; /* host bytes the split forms are re-laid in, reused across matrices (first touch is costly) */
    size_t scratch_bytes;
} loader;

/* The type a matrix is kept in on the device: its split form (types.h) when it has one, k allows it and the backend
 * runs every launch the forward pass gives the matrix in that form (matmul at m = 1 and, but for the logits, at
 * m = n_batch; token_embd, kept split only when it is also the output, dequant of one row); else the file's. */
static chord_type device_type(const loader *L, const chord_gguf_tensor *t, int64_t n, int64_t k)
{
    const chord_llama *m = L->m;
    const int st = chord_type_split_of(t->type), embd = !strcmp(t->name, "token_embd.weight");
    if (m->file_layout || n == 1 || st < 0 || k % CHORD_QK_SPLIT != 0 || n > INT32_MAX || (embd && !m->hp.tied_output))
        return t->type;
    const chord_matmul_args decode = {1, (int)n, (int)k, (chord_type)st},
                            prefill = {m->n_batch, (int)n, (int)k, (chord_type)st};
    const chord_dequant_args row = {(chord_type)st, k};
    const int is_output = embd || !strcmp(t->name, "output.weight");
    if (!chord_supports(m->rt, CHORD_OP_MATMUL, &decode) ||
        (!is_output && !chord_supports(m->rt, CHORD_OP_MATMUL, &prefill)) ||
        (embd && !chord_supports(m->rt, CHORD_OP_DEQUANT, &row)))
        return t->type;
    return (chord_type)st;
}

/* Finds `name`, checks it is (n, k) (a vector when n == 1) and uploads it: matrices in their GGUF bytes or re-laid
 * in their split form (device_type), vectors as f32. */
static chord_status load_weight(loader *L, llama_weight *w, const char *name, int64_t n, int64_t k)
{
    chord_llama *m = L->m;
    const chord_gguf_tensor *t = chord_gguf_find_tensor(L->g, name);
    if (!t)
        return chord_fail(CHORD_ERR_FORMAT, "model lacks tensor %s", name);
    const int is_vec = n == 1;
    if (t->ne[0] != k || t->ne[1] != n || t->ne[2] != 1 || t->ne[3] != 1 || (is_vec && t->n_dims != 1))
        return chord_fail(CHORD_ERR_FORMAT, "%s has shape [%lld, %lld, %lld, %lld], expected [%lld, %lld]", name,
                          (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2], (long long)t->ne[3],
                          (long long)k, (long long)n);
    w->name = t->name;
    w->n = n;
    w->k = k;
    w->type = device_type(L, t, n, k);
    w->row_bytes = chord_type_row_bytes(t->type, k);
    if (w->row_bytes == 0)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "%s: type %s (id %d) with rows of %lld values is not supported", name,
                          chord_type_info(t->type) ? chord_type_info(t->type)->name : "?", (int)t->type, (long long)k);
    if (w->row_bytes * (size_t)n != t->bytes)
        return chord_fail(CHORD_ERR_FORMAT, "%s: %zu bytes, expected %zu", name, t->bytes, w->row_bytes * (size_t)n);
    const void *src = t->data;
    float *conv = NULL;
    size_t bytes = t->bytes;
    if (w->type != t->type && !is_vec) { /* the split form: the same bytes per row, re-laid on the host */
        if (L->scratch_bytes < bytes) {
            free(L->scratch);
            L->scratch_bytes = 0;
            if (!(L->scratch = malloc(bytes)))
                return chord_fail(CHORD_ERR_NOMEM, "%s: no host memory to re-lay %zu bytes", name, bytes);
            L->scratch_bytes = bytes;
        }
        if (chord_type_split_repack(t->type, t->data, L->scratch, n * k) != 0)
            return chord_fail(CHORD_ERR_INVALID, "%s: cannot re-lay type %s", name, chord_type_info(t->type)->name);
        src = L->scratch;
        m->n_split++;
    }
    if (is_vec && t->type != CHORD_TYPE_F32) {
        /* rmsnorm takes an f32 weight: convert the vector on the host once, with the dequant definition */
        conv = malloc((size_t)k * sizeof *conv);
        if (!conv)
            return chord_fail(CHORD_ERR_NOMEM, "%s: no host memory to convert", name);
        const chord_dequant_args da = {t->type, k};
        if (chord_dequant_reference(t->data, conv, &da) != 0) {
            free(conv);
            return chord_fail(CHORD_ERR_UNSUPPORTED, "%s: cannot convert type %d to f32", name, (int)t->type);
        }
        src = conv;
        bytes = (size_t)k * sizeof(float);
        w->type = CHORD_TYPE_F32;
        w->row_bytes = bytes;
    }
    chord_status s = chord_alloc(m->rt, bytes, &w->buf);
    if (s == CHORD_OK)
        s = chord_upload(m->rt, w->buf, 0, src, bytes);
    free(conv);
    if (s != CHORD_OK)
        return llama_fail_ctx(s, "%s", name);
    m->weight_bytes += bytes;
    L->done++;
    if (L->p && L->p->progress)
        L->p->progress(L->p->progress_user, L->done, L->total, m->weight_bytes);
    return CHORD_OK;
}

static chord_status need(chord_llama *m, chord_op op, const void *args, const char *what)
{
    if (!chord_supports(m->rt, op, args))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "backend %s does not support %s for %s", m->rt->be->name,
                          chord_op_name(op), what);
    return CHORD_OK;
}

/* The matmuls a weight takes part in: m = 1 (decode, the logits) and m = n_batch (prefill). */
static chord_status need_matmul(chord_llama *m, const llama_weight *w, int prefill)
{
    char what[200];
    const char *tn = chord_type_info(w->type) ? chord_type_info(w->type)->name : "?";
    const int rows_list[2] = {1, m->n_batch};
    for (int i = 0; i < (prefill && m->n_batch > 1 ? 2 : 1); i++) {
        const chord_matmul_args a = {rows_list[i], (int)w->n, (int)w->k, w->type};
        snprintf(what, sizeof what, "type %s, %s (m=%d, n=%d, k=%d)", tn, w->name, a.m, a.n, a.k);
        CHORD_TRY(need(m, llama_matmul_op(m, w, a.m), &a, what));
    }
    return CHORD_OK;
}

/* Every launch forward.c makes, asked of the backend before any upload. */
static chord_status check_support(chord_llama *m)
{
    const chord_llama_hparams *hp = &m->hp;
    char what[160];
    const chord_dequant_args da = {m->tok_embd.type, hp->n_embd};
    snprintf(what, sizeof what, "type %s (token_embd.weight rows)",
             chord_type_info(da.type) ? chord_type_info(da.type)->name : "?");
    CHORD_TRY(need(m, CHORD_OP_DEQUANT, &da, what));
    for (int rows = 1; rows <= m->n_batch; rows = rows == 1 ? m->n_batch : rows + 1) {
        const chord_rmsnorm_args ra = {rows, hp->n_embd, hp->norm_eps};
        CHORD_TRY(need(m, CHORD_OP_RMSNORM, &ra, "f32 (attn_norm, ffn_norm, output_norm)"));
        const chord_rope_args pa = {rows, hp->n_head, hp->head_dim, hp->n_rot, hp->rope_mode, hp->rope_theta, 0};
        CHORD_TRY(need(m, CHORD_OP_ROPE, &pa, "f32 (Q and K)"));
        const chord_attention_args aa = {rows, hp->n_head, hp->n_head_kv, hp->head_dim, 0, 1.0f};
        snprintf(what, sizeof what, "f32 (n_head %d, n_head_kv %d, head_dim %d)", hp->n_head, hp->n_head_kv,
                 hp->head_dim);
        CHORD_TRY(need(m, CHORD_OP_ATTENTION, &aa, what));
        const chord_add_args ad = {(int64_t)rows * hp->n_embd};
        CHORD_TRY(need(m, CHORD_OP_ADD, &ad, "f32 (residual)"));
        const chord_swiglu_args sa = {(int64_t)rows * hp->n_ff};
        CHORD_TRY(need(m, CHORD_OP_SWIGLU, &sa, "f32 (FFN gate)"));
        if (rows == m->n_batch)
            break;
    }
    return CHORD_OK;
}

static chord_status alloc_f32(chord_llama *m, chord_buf **b, size_t n, const char *what)
{
    chord_status s = chord_alloc(m->rt, n * sizeof(float), b);
    return s == CHORD_OK ? s : llama_fail_ctx(s, "%s", what);
}

/* Fills m's weight descriptors from the GGUF infos without uploading (shapes and types checked later). */
static chord_status describe(loader *L, llama_weight *w, const char *name, int64_t n, int64_t k)
{
    const chord_gguf_tensor *t = chord_gguf_find_tensor(L->g, name);
    if (!t)
        return chord_fail(CHORD_ERR_FORMAT, "model lacks tensor %s", name);
    w->name = t->name;
    w->n = n;
    w->k = k;
    w->type = n == 1 ? CHORD_TYPE_F32 : device_type(L, t, n, k);
    return CHORD_OK;
}

/* Visits every weight with its expected shape: fn is describe (before the support check) or load_weight. */
static chord_status each_weight(loader *L, chord_status (*fn)(loader *, llama_weight *, const char *, int64_t, int64_t))
{
    chord_llama *m = L->m;
    const chord_llama_hparams *hp = &m->hp;
    const int64_t d = hp->n_embd, dq = (int64_t)hp->n_head * hp->head_dim, dkv = (int64_t)hp->n_head_kv * hp->head_dim;
    CHORD_TRY(fn(L, &m->tok_embd, "token_embd.weight", hp->n_vocab, d));
    for (int l = 0; l < hp->n_layer; l++) {
        llama_layer *ly = &m->layers[l];
        char name[96];
#define W(field, suffix, n, k)                                  \
    snprintf(name, sizeof name, "blk.%d.%s.weight", l, suffix); \
    CHORD_TRY(fn(L, &ly->field, name, n, k))
        W(attn_norm, "attn_norm", 1, d);
        W(wq, "attn_q", dq, d);
        W(wk, "attn_k", dkv, d);
        W(wv, "attn_v", dkv, d);
        W(wo, "attn_output", d, dq);
        W(ffn_norm, "ffn_norm", 1, d);
        W(w_gate, "ffn_gate", hp->n_ff, d);
        W(w_up, "ffn_up", hp->n_ff, d);
        W(w_down, "ffn_down", d, hp->n_ff);
#undef W
    }
    CHORD_TRY(fn(L, &m->output_norm, "output_norm.weight", 1, d));
    if (!hp->tied_output)
        CHORD_TRY(fn(L, &m->output, "output.weight", hp->n_vocab, d));
    else
        m->output = m->tok_embd;
    return CHORD_OK;
}

/* Tensors a llama block does not have (biases, ...) or of blocks past block_count would be silently ignored: refuse
 * them instead. */
static chord_status check_no_extras(const chord_gguf *g, int n_layer)
{
    static const char *const known[] = {"attn_norm", "attn_q",   "attn_k", "attn_v",  "attn_output",
                                        "ffn_norm",  "ffn_gate", "ffn_up", "ffn_down"};
    for (int64_t i = 0; i < chord_gguf_n_tensors(g); i++) {
        const char *name = chord_gguf_tensor_at(g, i)->name;
        if (!strcmp(name, "token_embd.weight") || !strcmp(name, "output_norm.weight") ||
            !strcmp(name, "output.weight") || !strcmp(name, "rope_freqs.weight"))
            continue;
        int ok = 0, layer, len = 0;
        char part[64];
        if (sscanf(name, "blk.%d.%63[a-z_].weight%n", &layer, part, &len) == 2 && name[len] == 0)
            for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
                ok |= !strcmp(part, known[k]);
        if (ok && (layer < 0 || layer >= n_layer))
            return chord_fail(CHORD_ERR_FORMAT, "tensor %s is past block_count %d", name, n_layer);
        if (!ok)
            return chord_fail(CHORD_ERR_UNSUPPORTED, "tensor %s has no place in the llama forward pass", name);
    }
    if (chord_gguf_find_tensor(g, "rope_freqs.weight"))
        return chord_fail(CHORD_ERR_UNSUPPORTED, "rope_freqs.weight (llama3 RoPE scaling) is not supported");
    return CHORD_OK;
}

static double gib(double bytes) { return bytes / (1024.0 * 1024.0 * 1024.0); }

/* What the model will take on the device against what the device has, before any upload or allocation, so a long
 * --n-ctx fails with the limit named instead of deep inside a driver (or a host killed for memory). */
static chord_status check_memory(const chord_llama *m, const chord_gguf *g)
{
    const chord_llama_hparams *hp = &m->hp;
    const chord_device_info *dev = &m->rt->info;
    const double kv_row = (double)hp->n_head_kv * hp->head_dim * sizeof(float); /* one token of one layer's K */
    const double per_token = 2.0 * hp->n_layer * kv_row;                        /* K and V of every layer */
    double weights = 0;
    for (int64_t i = 0; i < chord_gguf_n_tensors(g); i++)
        weights += (double)chord_gguf_tensor_at(g, i)->bytes;
    const double scratch =
        (double)m->n_batch * (3.0 * hp->n_embd + 2.0 * hp->n_head * hp->head_dim + 2.0 * hp->n_ff) * sizeof(float) +
        (double)hp->n_vocab * sizeof(float);
    const double kv = per_token * m->n_ctx;
    if (dev->max_alloc_bytes && (double)m->n_ctx * kv_row > (double)dev->max_alloc_bytes)
        return chord_fail(CHORD_ERR_NOMEM,
                          "n_ctx %d makes each layer's K and V cache %.2f GiB, over the largest "
                          "buffer %s allocates (%.2f GiB): n_ctx at most %lld",
                          m->n_ctx, gib(m->n_ctx * kv_row), m->rt->be->name, gib((double)dev->max_alloc_bytes),
                          (long long)((double)dev->max_alloc_bytes / kv_row));
    if (dev->mem_bytes && weights + scratch + kv > (double)dev->mem_bytes) {
        const double room = (double)dev->mem_bytes - weights - scratch;
        return chord_fail(CHORD_ERR_NOMEM,
                          "n_ctx %d needs a KV cache of %.2f GiB; with %.2f GiB of weights that is "
                          "over the %.2f GiB of %s (%s): n_ctx at most %lld",
                          m->n_ctx, gib(kv), gib(weights), gib((double)dev->mem_bytes), m->rt->be->name, dev->name,
                          (long long)(room > 0 ? room / per_token : 0));
    }
    return CHORD_OK;
}

/* Whether the norm before a projection of this weight type and k folds into it by default (the reasons are where
 * the model's fusions are chosen): the file's layouts, and the 4-bit split ones at k <= 2048; file_only: the file's
 * layouts only. */
static int norm_folds(chord_type t, int64_t k, int file_only)
{
    if (!chord_type_info(t)->internal)
        return 1;
    return !file_only && k <= 2048 && (t == CHORD_TYPE_Q4_0_SPLIT || t == CHORD_TYPE_Q4_1_SPLIT);
}

static chord_status load(chord_llama *m, const chord_gguf *g, const chord_llama_params *p)
{
    const chord_llama_hparams *hp = &m->hp;
    CHORD_TRY(check_no_extras(g, hp->n_layer));
    m->layers = calloc((size_t)hp->n_layer, sizeof *m->layers);
    if (!m->layers)
        return chord_fail(CHORD_ERR_NOMEM, "no host memory for %d layers", hp->n_layer);
    loader L = {m, g, p, 0, 2 + hp->n_layer * 9 + !hp->tied_output, NULL, 0};
    CHORD_TRY(each_weight(&L, describe));
    /* matmul_tiled only for f32 weights, and only when it takes every f32 weight at m = n_batch */
    m->tiled_f32 = 1;
    for (int l = 0; l < hp->n_layer && m->tiled_f32; l++) {
        const llama_weight *ws[] = {&m->layers[l].wq,     &m->layers[l].wk,   &m->layers[l].wv,    &m->layers[l].wo,
                                    &m->layers[l].w_gate, &m->layers[l].w_up, &m->layers[l].w_down};
        for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
            chord_matmul_args a = {m->n_batch, (int)ws[i]->n, (int)ws[i]->k, ws[i]->type};
            if (ws[i]->type == CHORD_TYPE_F32 && !chord_supports(m->rt, CHORD_OP_MATMUL_TILED, &a))
                m->tiled_f32 = 0;
        }
    }
    CHORD_TRY(check_support(m));
    /* gate, up and SwiGLU of a decode step as one matmul_swiglu where the backend runs it for every layer's types
     * (CHORD_FFN_FUSED=0: the three launches, for A/B runs) */
    const char *ff = getenv("CHORD_FFN_FUSED");
    m->ffn_fused = !(ff && !strcmp(ff, "0"));
    for (int l = 0; l < hp->n_layer && m->ffn_fused; l++) {
        const llama_layer *ly = &m->layers[l];
        const chord_matmul_swiglu_args fa = {1, (int)ly->w_gate.n, (int)ly->w_gate.k, ly->w_gate.type};
        m->ffn_fused = ly->w_up.type == ly->w_gate.type && ly->w_up.n == ly->w_gate.n && ly->w_up.k == ly->w_gate.k &&
                       chord_supports(m->rt, CHORD_OP_MATMUL_SWIGLU, &fa);
    }
    /* Q, K, V and their RoPE of a decode step as one matmul_qkv likewise (CHORD_QKV_FUSED=0: the five launches) */
    const char *qf = getenv("CHORD_QKV_FUSED");
    m->qkv_fused = !(qf && !strcmp(qf, "0"));
    for (int l = 0; l < hp->n_layer && m->qkv_fused; l++) {
        const llama_layer *ly = &m->layers[l];
        const chord_matmul_qkv_args qa = llama_qkv_args(m, ly, 0);
        m->qkv_fused = ly->wk.type == ly->wq.type && ly->wv.type == ly->wq.type && ly->wk.k == ly->wq.k &&
                       ly->wv.k == ly->wq.k && ly->wq.n == (int64_t)hp->n_head * hp->head_dim &&
                       ly->wk.n == (int64_t)hp->n_head_kv * hp->head_dim && ly->wv.n == ly->wk.n &&
                       chord_supports(m->rt, CHORD_OP_MATMUL_QKV, &qa);
    }
    /* the norms before them folded in as well, rmsnorm_qkv and rmsnorm_swiglu, where that pays: on the file's block
     * layouts, and on the 4-bit split ones at k <= 2048. There the CUDA kernel (v7) sums X's squares in the pass
     * that splits X into each block's shared memory and scales its sums by the norm (kernels/matmul/
     * cuda_gemv_tc.cuh). H200, results/nvidia-h200/2026-12-03-544652e7264b: synthetic 1B q4_0 (k 2048) tg128
     * 1464 / 1461 -> 1520 / 1553 tok/s folded, 7B q4_0 (k 4096) 464 / 467 -> 444 / 449, so not at 4096; before
     * that pass (a first pass over X for the norm) the 7B lost more, 440 -> 406 (results/nvidia-h200/
     * 2026-12-02-794093a1989f). Not on q8_0_split, whose v6 would still take that first pass. CHORD_NORM_FUSED=0:
     * never, =1: on every layout and k, =file: on the file's layouts only. */
    const char *nf = getenv("CHORD_NORM_FUSED");
    const int norm_all = nf && !strcmp(nf, "1"), norm_none = nf && !strcmp(nf, "0");
    const int norm_file = nf && !strcmp(nf, "file");
    m->qkv_norm_fused = m->qkv_fused && !norm_none;
    m->ffn_norm_fused = m->ffn_fused && !norm_none;
    for (int l = 0; l < hp->n_layer; l++) {
        const llama_layer *ly = &m->layers[l];
        const chord_rmsnorm_qkv_args qa = {llama_qkv_args(m, ly, 0), hp->norm_eps};
        const chord_rmsnorm_swiglu_args fa = {{1, (int)ly->w_gate.n, (int)ly->w_gate.k, ly->w_gate.type}, hp->norm_eps};
        m->qkv_norm_fused = m->qkv_norm_fused && (norm_all || norm_folds(ly->wq.type, ly->wq.k, norm_file)) &&
                            chord_supports(m->rt, CHORD_OP_RMSNORM_QKV, &qa);
        m->ffn_norm_fused = m->ffn_norm_fused && (norm_all || norm_folds(ly->w_gate.type, ly->w_gate.k, norm_file)) &&
                            chord_supports(m->rt, CHORD_OP_RMSNORM_SWIGLU, &fa);
    }
    /* each projection and the residual add after it as one matmul_add likewise (CHORD_ADD_FUSED=0: two launches) */
    const char *af = getenv("CHORD_ADD_FUSED");
    m->wo_add_fused = m->down_add_fused = !(af && !strcmp(af, "0"));
    for (int l = 0; l < hp->n_layer; l++) {
        const llama_weight *wo = &m->layers[l].wo, *wd = &m->layers[l].w_down;
        const chord_matmul_add_args ao = {1, (int)wo->n, (int)wo->k, wo->type}, ad = {1, (int)wd->n, (int)wd->k, wd->type};
        m->wo_add_fused = m->wo_add_fused && chord_supports(m->rt, CHORD_OP_MATMUL_ADD, &ao);
        m->down_add_fused = m->down_add_fused && chord_supports(m->rt, CHORD_OP_MATMUL_ADD, &ad);
    }
    for (int l = 0; l < hp->n_layer; l++) {
        const llama_layer *ly = &m->layers[l];
        const llama_weight *ws[] = {&ly->wq, &ly->wk, &ly->wv, &ly->wo, &ly->w_gate, &ly->w_up, &ly->w_down};
        for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++)
            CHORD_TRY(need_matmul(m, ws[i], 1));
    }
    CHORD_TRY(need_matmul(m, &m->output, 0));
    CHORD_TRY(check_memory(m, g));

    chord_status s = each_weight(&L, load_weight);
    free(L.scratch);
    CHORD_TRY(s);

    const size_t nb = (size_t)m->n_batch;
    const size_t kv_row = (size_t)hp->n_head_kv * hp->head_dim;
    for (int l = 0; l < hp->n_layer; l++) {
        CHORD_TRY(alloc_f32(m, &m->layers[l].k_cache, (size_t)m->n_ctx * kv_row, "K cache"));
        CHORD_TRY(alloc_f32(m, &m->layers[l].v_cache, (size_t)m->n_ctx * kv_row, "V cache"));
        m->cache_bytes += 2 * (size_t)m->n_ctx * kv_row * sizeof(float);
    }
    const size_t dq = (size_t)hp->n_head * hp->head_dim;
    CHORD_TRY(alloc_f32(m, &m->x, nb * hp->n_embd, "residual stream"));
    CHORD_TRY(alloc_f32(m, &m->xn, nb * hp->n_embd, "normed input"));
    CHORD_TRY(alloc_f32(m, &m->q, nb * dq, "Q"));
    CHORD_TRY(alloc_f32(m, &m->att, nb * dq, "attention output"));
    CHORD_TRY(alloc_f32(m, &m->proj, nb * hp->n_embd, "projection"));
    CHORD_TRY(alloc_f32(m, &m->gate, nb * hp->n_ff, "FFN gate"));
    CHORD_TRY(alloc_f32(m, &m->up, nb * hp->n_ff, "FFN up"));
    CHORD_TRY(alloc_f32(m, &m->logits, (size_t)hp->n_vocab, "logits"));
    return chord_sync(m->rt);
}

chord_status chord_llama_load(chord_rt *rt, const chord_gguf *g, const chord_llama_params *p, chord_llama **out)
{
    *out = NULL;
    chord_llama *m = calloc(1, sizeof *m);
    if (!m)
        return chord_fail(CHORD_ERR_NOMEM, "no host memory for the model");
    m->rt = rt;
    chord_status s = chord_llama_read_hparams(g, &m->hp);
    if (s != CHORD_OK) {
        free(m);
        return s;
    }
    const int n_ctx = chord_llama_resolve_n_ctx(&m->hp, p ? p->n_ctx : 0);
    const int n_batch = p && p->n_batch > 0 ? p->n_batch : 32;
    if (p && (p->n_ctx < 0 || p->n_batch < 0)) {
        free(m);
        return chord_fail(CHORD_ERR_INVALID, "n_ctx %d and n_batch %d must not be negative", p->n_ctx, p->n_batch);
    }
    if (n_ctx > CHORD_LLAMA_MAX_CTX) {
        free(m);
        return chord_fail(CHORD_ERR_INVALID, "n_ctx %d is over chord's limit of %d tokens", n_ctx, CHORD_LLAMA_MAX_CTX);
    }
    m->n_ctx = n_ctx;
    m->n_batch = n_batch < n_ctx ? n_batch : n_ctx;
    m->file_layout = p && p->file_layout;
    s = load(m, g, p);
    if (s != CHORD_OK) {
        chord_llama_free(m);
        return s;
    }
    *out = m;
    return CHORD_OK;
}

static void free_buf(chord_llama *m, chord_buf *b)
{
    if (b)
        chord_free(m->rt, b);
}

void chord_llama_free(chord_llama *m)
{
    if (!m)
        return;
    free_buf(m, m->tok_embd.buf);
    free_buf(m, m->output_norm.buf);
    if (!m->hp.tied_output)
        free_buf(m, m->output.buf);
    for (int l = 0; m->layers && l < m->hp.n_layer; l++) {
        llama_layer *ly = &m->layers[l];
        llama_weight *ws[] = {&ly->attn_norm, &ly->wq,     &ly->wk,   &ly->wv,    &ly->wo,
                              &ly->ffn_norm,  &ly->w_gate, &ly->w_up, &ly->w_down};
        for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++)
            free_buf(m, ws[i]->buf);
        free_buf(m, ly->k_cache);
        free_buf(m, ly->v_cache);
    }
    chord_buf *scratch[] = {m->x, m->xn, m->q, m->att, m->proj, m->gate, m->up, m->logits};
    for (size_t i = 0; i < sizeof scratch / sizeof scratch[0]; i++)
        free_buf(m, scratch[i]);
    free(m->layers);
    free(m->host_logits);
    free(m);
}

int chord_llama_resolve_n_ctx(const chord_llama_hparams *hp, int n_ctx)
{
    return n_ctx > 0 ? n_ctx : hp->n_ctx_train < 2048 ? hp->n_ctx_train : 2048;
}

const chord_llama_hparams *chord_llama_get_hparams(const chord_llama *m) { return &m->hp; }
int chord_llama_n_split(const chord_llama *m) { return m->n_split; }
int chord_llama_n_ctx(const chord_llama *m) { return m->n_ctx; }
int chord_llama_n_batch(const chord_llama *m) { return m->n_batch; }
size_t chord_llama_weight_bytes(const chord_llama *m) { return m->weight_bytes; }
size_t chord_llama_cache_bytes(const chord_llama *m) { return m->cache_bytes; }
