/* The Llama forward pass, written once against the runtime's op table: every backend runs this same sequence of
 * launches. Per batch of n tokens at positions pos0 .. pos0 + n - 1:
 *   x = embd rows (dequant of each token's row)
 *   per layer: xn = rmsnorm(x); q = xn Wq^T; K/V cache rows [pos0, pos0 + n) = xn Wk^T, xn Wv^T (written in place);
 *              rope(q), rope(K rows); att = attention(q, K, V); x += att Wo^T;
 *              xn = rmsnorm(x); x += (silu(xn Wg^T) * (xn Wu^T)) Wd^T
 *   (a decode step launches matmul_qkv for the three attention projections and their RoPE, matmul_swiglu for the
 *   FFN's gate, up and SwiGLU, rmsnorm_qkv / rmsnorm_swiglu for those with the norm before them, and matmul_add for
 *   each projection with the residual add after it, where the backend has them for every layer, and goes to the
 *   backend as one unit to capture: CUDA graphs)
 *   last batch only: logits = rmsnorm(x[n - 1]) Wout^T, one row, so the vocab matmul runs once per eval;
 *   with every position's logits asked for (chord_llama_eval_all), the same one-row launches for each row. */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "llama_internal.h"

/* Every launch goes through here: with profiling on, each one is synced and its wall time added to its op. */
static chord_status launch(chord_llama *m, chord_op op, const chord_tensor *t, const void *args)
{
    if (!m->profile)
        return chord_launch(m->rt, op, t, args);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHORD_TRY(chord_launch(m->rt, op, t, args));
    CHORD_TRY(chord_sync(m->rt));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    m->prof_ms[op] += (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-6;
    m->prof_n[op]++;
    return CHORD_OK;
}

/* The tensor at byte off of buffer b. */
static chord_tensor tensor_at(chord_buf *b, size_t off)
{
    chord_tensor t = {b, off};
    return t;
}

static chord_status matmul(chord_llama *m, const llama_weight *w, chord_tensor x, chord_tensor y, int rows)
{
    const chord_matmul_args a = {rows, (int)w->n, (int)w->k, w->type};
    const chord_tensor t[3] = {tensor_at(w->buf, 0), x, y};
    chord_status s = launch(m, llama_matmul_op(m, w, rows), t, &a);
    return s == CHORD_OK ? s : llama_fail_ctx(s, "%s (m=%d)", w->name, rows);
}

static chord_status add(chord_llama *m, chord_buf *x, chord_buf *y, int64_t n);

/* x (the residual stream, rows x n_embd) += X W^T: one matmul_add where the backend runs it for this weight in every
 * layer (fused, decode steps only), else matmul into m->proj and add */
static chord_status project_add(chord_llama *m, const llama_weight *w, chord_tensor x, int rows, int fused)
{
    if (rows == 1 && fused) {
        const chord_matmul_add_args a = {1, (int)w->n, (int)w->k, w->type};
        const chord_tensor t[4] = {tensor_at(m->x, 0), tensor_at(w->buf, 0), x, tensor_at(m->x, 0)};
        const chord_status s = launch(m, CHORD_OP_MATMUL_ADD, t, &a);
        return s == CHORD_OK ? s : llama_fail_ctx(s, "%s (m=1, with the residual add)", w->name);
    }
    CHORD_TRY(matmul(m, w, x, tensor_at(m->proj, 0), rows));
    return add(m, m->x, m->proj, (int64_t)rows * m->hp.n_embd);
}

static chord_status rmsnorm(chord_llama *m, chord_tensor x, const llama_weight *w, chord_tensor y, int rows)
{
    const chord_rmsnorm_args a = {rows, m->hp.n_embd, m->hp.norm_eps};
    const chord_tensor t[3] = {x, tensor_at(w->buf, 0), y};
    chord_status s = launch(m, CHORD_OP_RMSNORM, t, &a);
    return s == CHORD_OK ? s : llama_fail_ctx(s, "%s", w->name);
}

static chord_status rope(chord_llama *m, chord_tensor x, int n, int n_head, int pos0)
{
    const chord_llama_hparams *hp = &m->hp;
    const chord_rope_args a = {n, n_head, hp->head_dim, hp->n_rot, hp->rope_mode, hp->rope_theta, pos0};
    const chord_tensor t[2] = {x, x};
    return launch(m, CHORD_OP_ROPE, t, &a);
}

static chord_status add(chord_llama *m, chord_buf *x, chord_buf *y, int64_t n)
{
    const chord_add_args a = {n};
    const chord_tensor t[3] = {tensor_at(x, 0), tensor_at(y, 0), tensor_at(x, 0)};
    return launch(m, CHORD_OP_ADD, t, &a);
}

static chord_status layer(chord_llama *m, const llama_layer *ly, int n, int pos0)
{
    const chord_llama_hparams *hp = &m->hp;
    const size_t kv_row_bytes = (size_t)hp->n_head_kv * hp->head_dim * sizeof(float);
    const chord_tensor k_rows = tensor_at(ly->k_cache, (size_t)pos0 * kv_row_bytes); /* (n, n_head_kv, head_dim) */
    const chord_tensor v_rows = tensor_at(ly->v_cache, (size_t)pos0 * kv_row_bytes);

    /* attention sublayer */
    if (n == 1 && m->qkv_norm_fused) { /* the norm and the projections in one launch (kernels/rmsnorm_qkv) */
        const chord_rmsnorm_qkv_args qa = {llama_qkv_args(m, ly, pos0), hp->norm_eps};
        const chord_tensor qt[8] = {tensor_at(m->x, 0),       tensor_at(ly->attn_norm.buf, 0), tensor_at(ly->wq.buf, 0),
                                    tensor_at(ly->wk.buf, 0), tensor_at(ly->wv.buf, 0),        tensor_at(m->q, 0),
                                    k_rows,                   v_rows};
        const chord_status s = launch(m, CHORD_OP_RMSNORM_QKV, qt, &qa);
        if (s != CHORD_OK)
            return llama_fail_ctx(s, "%s with %s, %s and %s", ly->attn_norm.name, ly->wq.name, ly->wk.name,
                                  ly->wv.name);
    } else if (n == 1 && m->qkv_fused) { /* the same function in two launches (rmsnorm, kernels/matmul_qkv) */
        CHORD_TRY(rmsnorm(m, tensor_at(m->x, 0), &ly->attn_norm, tensor_at(m->xn, 0), n));
        const chord_matmul_qkv_args qa = llama_qkv_args(m, ly, pos0);
        const chord_tensor qt[7] = {tensor_at(ly->wq.buf, 0), tensor_at(ly->wk.buf, 0), tensor_at(ly->wv.buf, 0),
                                    tensor_at(m->xn, 0),      tensor_at(m->q, 0),       k_rows,
                                    v_rows};
        const chord_status s = launch(m, CHORD_OP_MATMUL_QKV, qt, &qa);
        if (s != CHORD_OK)
            return llama_fail_ctx(s, "%s, %s and %s", ly->wq.name, ly->wk.name, ly->wv.name);
    } else {
        CHORD_TRY(rmsnorm(m, tensor_at(m->x, 0), &ly->attn_norm, tensor_at(m->xn, 0), n));
        CHORD_TRY(matmul(m, &ly->wq, tensor_at(m->xn, 0), tensor_at(m->q, 0), n));
        CHORD_TRY(matmul(m, &ly->wk, tensor_at(m->xn, 0), k_rows, n));
        CHORD_TRY(matmul(m, &ly->wv, tensor_at(m->xn, 0), v_rows, n));
        CHORD_TRY(rope(m, tensor_at(m->q, 0), n, hp->n_head, pos0));
        CHORD_TRY(rope(m, k_rows, n, hp->n_head_kv, pos0));
    }
    const chord_attention_args aa = {
        n, hp->n_head, hp->n_head_kv, hp->head_dim, pos0, 1.0f / sqrtf((float)hp->head_dim)};
    const chord_tensor at[4] = {tensor_at(m->q, 0), tensor_at(ly->k_cache, 0), tensor_at(ly->v_cache, 0),
                                tensor_at(m->att, 0)};
    CHORD_TRY(launch(m, CHORD_OP_ATTENTION, at, &aa));
    CHORD_TRY(project_add(m, &ly->wo, tensor_at(m->att, 0), n, m->wo_add_fused));

    /* FFN sublayer */
    if (n == 1 && m->ffn_norm_fused) { /* the norm, gate, up and SwiGLU in one launch (kernels/rmsnorm_swiglu) */
        const chord_rmsnorm_swiglu_args fa = {{1, (int)ly->w_gate.n, (int)ly->w_gate.k, ly->w_gate.type}, hp->norm_eps};
        const chord_tensor ft[5] = {tensor_at(m->x, 0), tensor_at(ly->ffn_norm.buf, 0), tensor_at(ly->w_gate.buf, 0),
                                    tensor_at(ly->w_up.buf, 0), tensor_at(m->gate, 0)};
        const chord_status s = launch(m, CHORD_OP_RMSNORM_SWIGLU, ft, &fa);
        if (s != CHORD_OK)
            return llama_fail_ctx(s, "%s with %s and %s", ly->ffn_norm.name, ly->w_gate.name, ly->w_up.name);
    } else if (n == 1 && m->ffn_fused) { /* the same function in two launches (rmsnorm, kernels/matmul_swiglu) */
        CHORD_TRY(rmsnorm(m, tensor_at(m->x, 0), &ly->ffn_norm, tensor_at(m->xn, 0), n));
        const chord_matmul_swiglu_args fa = {1, (int)ly->w_gate.n, (int)ly->w_gate.k, ly->w_gate.type};
        const chord_tensor ft[4] = {tensor_at(ly->w_gate.buf, 0), tensor_at(ly->w_up.buf, 0), tensor_at(m->xn, 0),
                                    tensor_at(m->gate, 0)};
        const chord_status s = launch(m, CHORD_OP_MATMUL_SWIGLU, ft, &fa);
        if (s != CHORD_OK)
            return llama_fail_ctx(s, "%s and %s", ly->w_gate.name, ly->w_up.name);
    } else {
        CHORD_TRY(rmsnorm(m, tensor_at(m->x, 0), &ly->ffn_norm, tensor_at(m->xn, 0), n));
        CHORD_TRY(matmul(m, &ly->w_gate, tensor_at(m->xn, 0), tensor_at(m->gate, 0), n));
        CHORD_TRY(matmul(m, &ly->w_up, tensor_at(m->xn, 0), tensor_at(m->up, 0), n));
        const chord_swiglu_args sa = {(int64_t)n * hp->n_ff};
        const chord_tensor st[3] = {tensor_at(m->gate, 0), tensor_at(m->up, 0), tensor_at(m->gate, 0)};
        CHORD_TRY(launch(m, CHORD_OP_SWIGLU, st, &sa));
    }
    return project_add(m, &ly->w_down, tensor_at(m->gate, 0), n, m->down_add_fused);
}

/* Row r of the residual stream's logits into m->logits (n_vocab): the output norm and the vocabulary matmul, one
 * row, so the logits of any row come from the same launches. */
static chord_status logits_of(chord_llama *m, int r)
{
    const size_t embd_bytes = (size_t)m->hp.n_embd * sizeof(float);
    CHORD_TRY(rmsnorm(m, tensor_at(m->x, (size_t)r * embd_bytes), &m->output_norm, tensor_at(m->xn, 0), 1));
    return matmul(m, &m->output, tensor_at(m->xn, 0), tensor_at(m->logits, 0), 1);
}

/* The argmax of m->logits, ties to the lowest id, as chord_logits_argmax; NaN logits are refused, as the sampler
 * refuses them. On the device where the backend has it, else from host (the downloaded logits, or a download now). */
static chord_status argmax_of_logits(chord_llama *m, const float *host, int32_t *next)
{
    const int n = m->hp.n_vocab;
    int32_t r[2] = {0, -1};
    if (!host && chord_has_argmax(m->rt)) {
        CHORD_TRY(chord_argmax(m->rt, m->logits, 0, n, r));
    } else {
        if (!host) {
            if (!m->host_logits && !(m->host_logits = malloc((size_t)n * sizeof(float))))
                return chord_fail(CHORD_ERR_NOMEM, "no host memory for the logits");
            CHORD_TRY(chord_download(m->rt, m->logits, 0, m->host_logits, (size_t)n * sizeof(float)));
            host = m->host_logits;
        }
        r[0] = chord_logits_argmax(host, n);
        for (int i = 0; i < n && r[1] < 0; i++)
            if (isnan(host[i]))
                r[1] = i;
    }
    if (r[1] >= 0)
        return chord_fail(CHORD_ERR_INVALID, "logit %d is NaN", r[1]);
    *next = r[0];
    return CHORD_OK;
}

/* The launches of a batch: the embedding rows, every layer, and with want_row >= 0 that row's logits into
 * m->logits. */
static chord_status launches(chord_llama *m, const int32_t *tokens, int n, int pos0, int want_row)
{
    const chord_llama_hparams *hp = &m->hp;
    const size_t embd_bytes = (size_t)hp->n_embd * sizeof(float);
    const chord_dequant_args da = {m->tok_embd.type, hp->n_embd};
    for (int t = 0; t < n; t++) {
        const chord_tensor dt[2] = {tensor_at(m->tok_embd.buf, (size_t)tokens[t] * m->tok_embd.row_bytes),
                                    tensor_at(m->x, (size_t)t * embd_bytes)};
        chord_status s = launch(m, CHORD_OP_DEQUANT, dt, &da);
        if (s != CHORD_OK)
            return llama_fail_ctx(s, "token_embd.weight row %d", tokens[t]);
    }
    for (int l = 0; l < hp->n_layer; l++) {
        chord_status s = layer(m, &m->layers[l], n, pos0);
        if (s != CHORD_OK)
            return llama_fail_ctx(s, "layer %d", l);
    }
    return want_row < 0 ? CHORD_OK : logits_of(m, want_row);
}

/* A decode step (one token) goes to the backend as one unit where it offers that (CUDA: graphs), unless every
 * launch is being timed. Should recording fail anywhere (a scratch buffer that would have to grow, a graph the
 * driver refuses), the step runs again launch by launch: it starts by overwriting the residual stream with the
 * token's embedding and rewrites the same cache rows, so a partly run first attempt changes nothing. */
static chord_status step(chord_llama *m, const int32_t *tokens, int pos0, int want_row)
{
    if (!m->profile && chord_step_begin(m->rt)) {
        const chord_status s = launches(m, tokens, 1, pos0, want_row);
        if (chord_step_end(m->rt, s == CHORD_OK) == CHORD_OK && s == CHORD_OK)
            return CHORD_OK;
    }
    return launches(m, tokens, 1, pos0, want_row);
}

/* logits: NULL, or where the last row's (n_vocab) go, or with all set every row's (n, n_vocab). next: NULL, or
 * where the last row's argmax goes (only the id crosses to the host where the backend has a device argmax). */
static chord_status batch(chord_llama *m, const int32_t *tokens, int n, int pos0, float *logits, int all, int32_t *next)
{
    const chord_llama_hparams *hp = &m->hp;
    const int want_last = logits || next ? n - 1 : -1;
    if (n == 1)
        CHORD_TRY(step(m, tokens, pos0, want_last));
    else
        CHORD_TRY(launches(m, tokens, n, pos0, all && logits ? -1 : want_last));
    const size_t vocab_bytes = (size_t)hp->n_vocab * sizeof(float);
    for (int r = all ? 0 : n - 1; logits && r < n; r++) {
        if (all && n > 1)
            CHORD_TRY(logits_of(m, r));
        /* a download waits for the launches before it */
        CHORD_TRY(chord_download(m->rt, m->logits, 0, logits + (all ? (size_t)r * hp->n_vocab : 0), vocab_bytes));
    }
    if (next)
        CHORD_TRY(argmax_of_logits(m, logits && !all ? logits : NULL, next));
    return CHORD_OK;
}

static chord_status eval(chord_llama *m, const int32_t *tokens, int n_tok, int pos0, float *logits, int all,
                         int32_t *next)
{
    if (n_tok < 1 || pos0 < 0)
        return chord_fail(CHORD_ERR_INVALID, "eval of %d tokens at position %d", n_tok, pos0);
    if ((int64_t)pos0 + n_tok > m->n_ctx)
        return chord_fail(CHORD_ERR_INVALID, "%d tokens at position %d exceed the context of %d tokens", n_tok, pos0,
                          m->n_ctx);
    for (int i = 0; i < n_tok; i++)
        if (tokens[i] < 0 || tokens[i] >= m->hp.n_vocab)
            return chord_fail(CHORD_ERR_INVALID, "token %d (index %d) is outside the vocabulary of %d", tokens[i], i,
                              m->hp.n_vocab);
    for (int b = 0; b < n_tok; b += m->n_batch) {
        const int n = n_tok - b < m->n_batch ? n_tok - b : m->n_batch;
        const int last = b + n == n_tok;
        float *out = !logits ? NULL : all ? logits + (size_t)b * m->hp.n_vocab : last ? logits : NULL;
        CHORD_TRY(batch(m, tokens + b, n, pos0 + b, out, all, last ? next : NULL));
    }
    /* without a download at the end, sync so the caller's timings are whole */
    return logits || next ? CHORD_OK : chord_sync(m->rt);
}

chord_status chord_llama_eval(chord_llama *m, const int32_t *tokens, int n_tok, int pos0, float *logits)
{
    return eval(m, tokens, n_tok, pos0, logits, 0, NULL);
}

chord_status chord_llama_eval_all(chord_llama *m, const int32_t *tokens, int n_tok, int pos0, float *logits)
{
    if (!logits)
        return chord_fail(CHORD_ERR_INVALID, "eval_all: no logits buffer");
    return eval(m, tokens, n_tok, pos0, logits, 1, NULL);
}

chord_status chord_llama_eval_argmax(chord_llama *m, const int32_t *tokens, int n_tok, int pos0, int32_t *next)
{
    if (!next)
        return chord_fail(CHORD_ERR_INVALID, "eval_argmax: nowhere to put the token");
    return eval(m, tokens, n_tok, pos0, NULL, 0, next);
}

void chord_llama_profile(chord_llama *m, int on)
{
    m->profile = on;
    for (int i = 0; i < CHORD_OP_COUNT; i++) {
        m->prof_ms[i] = 0;
        m->prof_n[i] = 0;
    }
}

int chord_llama_profile_get(const chord_llama *m, chord_op op, double *ms)
{
    *ms = m->prof_ms[op];
    return m->prof_n[op];
}
