/* The whole model on every backend against the ref backend, on SmolLM2-135M-Instruct (skipped with the reason when
 * ci/fetch-model.sh has not run):
 *   - last-token logits of two fixed prompts within CHORD_LOGITS_NMSE_MAX (1e-5, llama.h says why: backends differ
 *     from the double-accumulating reference only by f32 summation order) with the same top-1;
 *   - the 32-token greedy continuation of prompt 1 identical: the backend's greedy tokens are fed to both and the
 *     ref's argmax must equal the backend's at every step (so the ref, decoding greedily itself, would produce the
 *     same 32 tokens);
 *   - one-batch prefill against token-by-token prefill: bit-identical on ref (every row is computed alone in the
 *     same order), within the NMSE bound elsewhere;
 *   - without any download: synthetic 2-layer models (model/synth.h) of every weight type (q4_0, q4_1, q8_0, f16,
 *     f32: the last one takes matmul_tiled at prefill) with an untied output, 13 prompt tokens in batches of 8 and 5
 *     and 8 greedy steps, against ref within the same bound;
 *   - the split layouts (kernels/common/types.h) on ref: bit-identical logits to the file's layout;
 *   - a prompt longer than n_ctx is CHORD_ERR_INVALID; a backend lacking an op or a weight type fails the load with
 *     CHORD_ERR_UNSUPPORTED naming it.
 * Cost: the ref backend runs about 0.3 s per token on one core here, so prompts are short and n_ctx is 128. A
 * backend whose single-token step would take longer than CHORD_MODEL_TEST_MAX_S (default 3 s; e.g. a kernel tuned
 * for GPUs running on a software rasterizer) is skipped with the estimate, since these tests make ~50 steps (the
 * synthetic tests still run on it). Here lavapipe estimates 7-8 s and passes in ~6 min with CHORD_MODEL_TEST_MAX_S=100;
 * PoCL estimates 0.3-1.5 s.
 * Prompt tokens are taken from the vocabulary by exact piece, which keeps these tests independent of the
 * tokenizer's. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llama.h"
#include "matmul/matmul.h"

#define N_CTX 128
#define N_CONT 32

/* GPT-2 byte-level pieces: "\xc4\xa0" is the encoded space. */
#define SP "\xc4\xa0"
static const char *const prompt1[] = {"The", SP "capital", SP "of", SP "France", SP "is", NULL};
static const char *const prompt2[] = {"Once", SP "upon", SP "a", SP "time", ",", SP "there", SP "was", NULL};

typedef struct model_fixture {
    chord_gguf *g;
    chord_rt rt;
    chord_llama *m;
    float *logits;
    int n_vocab;
} model_fixture;

static chord_gguf *open_model(void)
{
    char path[4096];
    const char *dir = getenv("CHORD_MODEL_DIR");
    if (dir && *dir)
        snprintf(path, sizeof path, "%s/smollm2-135m-instruct-q4_1.gguf", dir);
    else
        snprintf(path, sizeof path, "%s/.cache/chord/smollm2-135m-instruct-q4_1.gguf",
                 getenv("HOME") ? getenv("HOME") : ".");
    FILE *f = fopen(path, "rb");
    if (!f)
        cr_skip_test("model %s absent (run ci/fetch-model.sh)", path);
    fclose(f);
    chord_gguf *g;
    cr_assert_eq(chord_gguf_open(path, &g), CHORD_OK, "%s: %s", path, chord_last_error());
    return g;
}

static int prompt_ids(const chord_gguf *g, const char *const *pieces, int32_t *ids)
{
    uint64_t n_vocab;
    const chord_gguf_str *toks;
    cr_assert_eq(chord_gguf_get_str_array(g, "tokenizer.ggml.tokens", &n_vocab, &toks), CHORD_OK);
    int n = 0;
    for (; pieces[n]; n++) {
        ids[n] = -1;
        for (uint64_t i = 0; i < n_vocab && ids[n] < 0; i++)
            if (chord_gguf_str_eq(toks[i], pieces[n]))
                ids[n] = (int32_t)i;
        cr_assert_geq(ids[n], 0, "piece '%s' not in the vocabulary", pieces[n]);
    }
    return n;
}

/* Loads the model on `rt` (already open) with n_ctx N_CTX. */
static chord_status load_on(chord_gguf *g, chord_rt *rt, int n_batch, chord_llama **m)
{
    const chord_llama_params p = {N_CTX, n_batch, NULL, NULL, 0};
    return chord_llama_load(rt, g, &p, m);
}

static void skip_if_too_slow(model_fixture *F);

/* Opens the backend (skipping the test when it is unavailable or, unless it is ref, too slow) and loads the model. */
static void fixture_open(model_fixture *F, chord_gguf *g, const char *backend, int n_batch)
{
    memset(F, 0, sizeof *F);
    F->g = g;
    if (chord_open(backend, &F->rt, NULL) != CHORD_OK)
        cr_skip_test("%s unavailable here: %s", backend, chord_last_error());
    if (strcmp(backend, "ref") != 0)
        skip_if_too_slow(F);
    chord_status s = load_on(g, &F->rt, n_batch, &F->m);
    cr_assert_eq(s, CHORD_OK, "%s: load: %s", backend, chord_last_error());
    F->n_vocab = chord_llama_get_hparams(F->m)->n_vocab;
    F->logits = malloc((size_t)F->n_vocab * sizeof(float));
    cr_assert_not_null(F->logits);
}

static void fixture_close(model_fixture *F)
{
    chord_llama_free(F->m);
    chord_close(&F->rt);
    free(F->logits);
}

static void eval(model_fixture *F, const int32_t *ids, int n, int pos)
{
    chord_status s = chord_llama_eval(F->m, ids, n, pos, F->logits);
    cr_assert_eq(s, CHORD_OK, "%s: eval of %d tokens at %d: %s", F->rt.be->name, n, pos, chord_last_error());
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* Skips the test when the backend is too slow here for the ~50 steps the tests make. The estimate of one step is
 * 240 launches of the FFN's matmul (1536 x 576, q4_1; a step makes 210 matmuls of that size or smaller plus the
 * 49152-row logits), timed once after a warm-up, before the model is loaded: a whole step on a slow backend would
 * itself cost minutes. */
static void skip_if_too_slow(model_fixture *F)
{
    const char *env = getenv("CHORD_MODEL_TEST_MAX_S");
    const double max_s = env ? atof(env) : 3.0;
    const chord_matmul_args a = {1, 1536, 576, CHORD_TYPE_Q4_1};
    const size_t w_bytes = chord_type_row_bytes(a.wtype, a.k) * (size_t)a.n;
    unsigned char *w = calloc(1, w_bytes); /* zero blocks: d = m = 0, valid */
    chord_buf *bw, *bx, *by;
    cr_assert_not_null(w);
    cr_assert_eq(chord_alloc(&F->rt, w_bytes, &bw), CHORD_OK, "%s", chord_last_error());
    cr_assert_eq(chord_alloc(&F->rt, (size_t)a.k * 4, &bx), CHORD_OK, "%s", chord_last_error());
    cr_assert_eq(chord_alloc(&F->rt, (size_t)a.n * 4, &by), CHORD_OK, "%s", chord_last_error());
    cr_assert_eq(chord_upload(&F->rt, bw, 0, w, w_bytes), CHORD_OK, "%s", chord_last_error());
    cr_assert_eq(chord_upload(&F->rt, bx, 0, w, (size_t)a.k * 4), CHORD_OK, "%s", chord_last_error());
    const chord_tensor t[3] = {{bw, 0}, {bx, 0}, {by, 0}};
    double s = 0;
    for (int i = 0; i < 2; i++) { /* the first launch may build the kernel */
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        cr_assert_eq(chord_launch(&F->rt, CHORD_OP_MATMUL, t, &a), CHORD_OK, "%s", chord_last_error());
        cr_assert_eq(chord_sync(&F->rt), CHORD_OK, "%s", chord_last_error());
        s = seconds_since(&t0);
    }
    chord_free(&F->rt, bw);
    chord_free(&F->rt, bx);
    chord_free(&F->rt, by);
    free(w);
    cr_log_info("%s: one 1536x576 q4_1 matvec %.3f ms, a decode step about %.2f s", F->rt.be->name, s * 1e3, 240 * s);
    if (240 * s > max_s)
        cr_skip_test("%s: a decode step would take about %.1f s here (> CHORD_MODEL_TEST_MAX_S = %.1f s)",
                     F->rt.be->name, 240 * s, max_s);
}

static void expect_close(const model_fixture *ref, const model_fixture *got, const char *what, int strict_top1)
{
    chord_logits_cmp c = chord_logits_compare(ref->logits, got->logits, ref->n_vocab);
    cr_log_info("%s %s: nmse %.3e, top1 ref %d got %d", got->rt.be->name, what, c.nmse, c.ref_top1, c.got_top1);
    cr_assert(c.nmse <= CHORD_LOGITS_NMSE_MAX, "%s %s: logits NMSE %.3e > %.0e", got->rt.be->name, what, c.nmse,
              CHORD_LOGITS_NMSE_MAX);
    if (strict_top1)
        cr_assert_eq(c.got_top1, c.ref_top1, "%s %s: top-1 %d, ref's %d (ref gap %.3g)", got->rt.be->name, what,
                     c.got_top1, c.ref_top1, c.ref_gap);
    else
        cr_assert(c.ok, "%s %s: top-1 %d, ref's %d (ref gap %.3g)", got->rt.be->name, what, c.got_top1, c.ref_top1,
                  c.ref_gap);
}

ParameterizedTestParameters(model, matches_ref)
{
    static int backends[16];
    int n = 0;
    for (int b = 0; b < chord_backend_count() && n < 16; b++)
        if (strcmp(chord_backend_at(b)->name, "ref") != 0)
            backends[n++] = b;
    return cr_make_param_array(int, backends, n);
}

ParameterizedTest(int *b, model, matches_ref, .timeout = 900)
{
    const char *name = chord_backend_at(*b)->name;
    chord_gguf *g = open_model();
    model_fixture got, ref;
    fixture_open(&got, g, name, 32);
    fixture_open(&ref, g, "ref", 32);
    int32_t ids[N_CTX];

    int n2 = prompt_ids(g, prompt2, ids);
    eval(&got, ids, n2, 0);
    eval(&ref, ids, n2, 0);
    expect_close(&ref, &got, "prompt 2", 0);

    int n1 = prompt_ids(g, prompt1, ids);
    eval(&got, ids, n1, 0);
    eval(&ref, ids, n1, 0);
    expect_close(&ref, &got, "prompt 1", 1);
    char what[64];
    for (int i = 0; i < N_CONT; i++) {
        const int32_t next = chord_logits_argmax(got.logits, got.n_vocab);
        ids[n1 + i] = next;
        if (i + 1 == N_CONT)
            break;
        eval(&got, &next, 1, n1 + i);
        eval(&ref, &next, 1, n1 + i);
        snprintf(what, sizeof what, "prompt 1 greedy step %d", i + 1);
        expect_close(&ref, &got, what, 1);
    }
    fixture_close(&ref);
    fixture_close(&got);
    chord_gguf_close(g);
}

/* One forward pass over the prompt against one token per pass, on every backend that opens. */
ParameterizedTestParameters(model, batch_equals_single)
{
    static int backends[16];
    int n = 0;
    for (int b = 0; b < chord_backend_count() && n < 16; b++)
        backends[n++] = b;
    return cr_make_param_array(int, backends, n);
}

ParameterizedTest(int *b, model, batch_equals_single, .timeout = 600)
{
    const char *name = chord_backend_at(*b)->name;
    chord_gguf *g = open_model();
    model_fixture F;
    fixture_open(&F, g, name, 16);
    int32_t ids[16];
    const int n = prompt_ids(g, prompt2, ids);
    cr_assert(n > 4 && n <= 16);
    eval(&F, ids, n, 0);
    float *batched = malloc((size_t)F.n_vocab * sizeof *batched);
    cr_assert_not_null(batched);
    memcpy(batched, F.logits, (size_t)F.n_vocab * sizeof *batched);
    /* restarting at position 0 overwrites the cache: token by token, then in two uneven batches (pos0 > 0) */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0) {
            for (int i = 0; i < n; i++)
                eval(&F, &ids[i], 1, i);
        } else {
            eval(&F, ids, 4, 0);
            eval(&F, ids + 4, n - 4, 4);
        }
        const char *how = pass == 0 ? "token by token" : "in batches of 4 and 3";
        if (!strcmp(name, "ref")) {
            cr_expect(memcmp(batched, F.logits, (size_t)F.n_vocab * sizeof *batched) == 0,
                      "ref: one batch and %s give different logits", how);
        } else {
            chord_logits_cmp c = chord_logits_compare(batched, F.logits, F.n_vocab);
            cr_log_info("%s: one batch vs %s: nmse %.3e", name, how, c.nmse);
            cr_expect(c.ok, "%s: one batch vs %s: nmse %.3e, top-1 %d vs %d", name, how, c.nmse, c.ref_top1,
                      c.got_top1);
        }
    }
    free(batched);
    fixture_close(&F);
    chord_gguf_close(g);
}

Test(model, context_overflow_is_invalid)
{
    chord_gguf *g = open_model();
    model_fixture F;
    fixture_open(&F, g, "ref", 32);
    int32_t ids[N_CTX + 1];
    for (int i = 0; i <= N_CTX; i++)
        ids[i] = 1;
    cr_expect_eq(chord_llama_eval(F.m, ids, N_CTX + 1, 0, F.logits), CHORD_ERR_INVALID);
    cr_expect_eq(chord_llama_eval(F.m, ids, 2, N_CTX - 1, F.logits), CHORD_ERR_INVALID);
    cr_expect_eq(chord_llama_eval(F.m, ids, 0, 0, F.logits), CHORD_ERR_INVALID);
    ids[0] = F.n_vocab;
    cr_expect_eq(chord_llama_eval(F.m, ids, 1, 0, F.logits), CHORD_ERR_INVALID);
    fixture_close(&F);
    chord_gguf_close(g);
}

/* ref's table with attention removed, and one whose matmul launchers refuse q4_1 weights. */
static chord_backend no_attention, no_q4_1;
static chord_op_fn ref_matmul, ref_matmul_tiled;
static chord_status refuse_q4_1(chord_op_fn fn, void *ctx, const chord_tensor *t, const void *args)
{
    if (((const chord_matmul_args *)args)->wtype == CHORD_TYPE_Q4_1)
        return chord_fail(CHORD_ERR_UNSUPPORTED, "test: no q4_1 here");
    return fn(ctx, t, args);
}
static chord_status matmul_no_q4_1(void *ctx, const chord_tensor *t, const void *args)
{
    return refuse_q4_1(ref_matmul, ctx, t, args);
}
static chord_status matmul_tiled_no_q4_1(void *ctx, const chord_tensor *t, const void *args)
{
    return refuse_q4_1(ref_matmul_tiled, ctx, t, args);
}

static void expect_unsupported(chord_gguf *g, const chord_backend *be, const char *must_name)
{
    chord_rt rt;
    cr_assert_eq(chord_open("ref", &rt, NULL), CHORD_OK);
    rt.be = be; /* same context: only the table differs */
    chord_llama *m = NULL;
    chord_status s = load_on(g, &rt, 32, &m);
    cr_expect_eq(s, CHORD_ERR_UNSUPPORTED, "load on a backend without %s: %s", must_name, chord_status_name(s));
    cr_expect_null(m);
    cr_expect(strstr(chord_last_error(), must_name) != NULL, "message '%s' does not name %s", chord_last_error(),
              must_name);
    chord_llama_free(m);
    chord_close(&rt);
}

Test(model, unsupported_op_or_type_fails_load)
{
    chord_gguf *g = open_model();
    const chord_backend *ref = chord_backend_find("ref");
    cr_assert_not_null(ref);
    no_attention = *ref;
    no_attention.ops[CHORD_OP_ATTENTION] = NULL;
    expect_unsupported(g, &no_attention, "attention");
    no_q4_1 = *ref;
    ref_matmul = ref->ops[CHORD_OP_MATMUL];
    ref_matmul_tiled = ref->ops[CHORD_OP_MATMUL_TILED];
    no_q4_1.ops[CHORD_OP_MATMUL] = matmul_no_q4_1;
    no_q4_1.ops[CHORD_OP_MATMUL_TILED] = matmul_tiled_no_q4_1;
    expect_unsupported(g, &no_q4_1, "q4_1");
    expect_unsupported(g, &no_q4_1, "blk.0.attn_q.weight");
    chord_gguf_close(g);
}

/* ---- synthetic models: every weight type, an untied output, GQA and two prefill batches, on every backend ----
 * These need no download: chord_synth_write makes a small Llama GGUF with random weights (model/synth.h). f32
 * weights take the matmul_tiled path at prefill, the others matmul with quantized rows read as stored. */
#include <unistd.h>

#include "synth.h"

typedef struct {
    int backend;
    chord_type type;
} synth_param;

ParameterizedTestParameters(model, synthetic_matches_ref)
{
    static const chord_type types[] = {CHORD_TYPE_Q4_0, CHORD_TYPE_Q4_1, CHORD_TYPE_Q8_0, CHORD_TYPE_F16,
                                       CHORD_TYPE_F32};
    static synth_param params[16 * 5];
    int n = 0;
    for (int b = 0; b < chord_backend_count() && b < 16; b++)
        if (strcmp(chord_backend_at(b)->name, "ref") != 0)
            for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
                params[n++] = (synth_param){b, types[t]};
    return cr_make_param_array(synth_param, params, n);
}

ParameterizedTest(synth_param *p, model, synthetic_matches_ref, .timeout = 300)
{
    const char *name = chord_backend_at(p->backend)->name;
    const char *tname = chord_type_info(p->type)->name;
    /* head_dim 32, 4 query heads on 2 kv heads, separate output weights */
    const chord_synth_shape shape = {"test", 128, 2, 4, 2, 256, 512, 256, 10000.0f, 1e-5f, 0, CHORD_SYNTH_VOCAB_CHATML};
    const chord_synth_params sp = {p->type, 7, 0};
    char path[256];
    snprintf(path, sizeof path, "%s/chord_test_model_%d_%s_%s.gguf", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid(), name, tname);
    cr_assert_eq(chord_synth_write(&shape, &sp, path), CHORD_OK, "synth %s: %s", path, chord_last_error());
    chord_gguf *g;
    chord_status s = chord_gguf_open(path, &g);
    unlink(path); /* the mapping stays valid */
    cr_assert_eq(s, CHORD_OK, "%s: %s", path, chord_last_error());
    model_fixture got, ref;
    memset(&got, 0, sizeof got);
    if (chord_open(name, &got.rt, NULL) != CHORD_OK)
        cr_skip_test("%s unavailable here: %s", name, chord_last_error());
    /* the backend re-lays what it can in the split forms (here w_down, k = 256), the ref keeps the file's layout */
    const chord_llama_params lp = {64, 8, NULL, NULL, 0}, lp_file = {64, 8, NULL, NULL, 1};
    cr_assert_eq(chord_llama_load(&got.rt, g, &lp, &got.m), CHORD_OK, "%s %s: load: %s", name, tname,
                 chord_last_error());
    got.n_vocab = chord_llama_get_hparams(got.m)->n_vocab;
    got.logits = malloc((size_t)got.n_vocab * sizeof(float));
    memset(&ref, 0, sizeof ref);
    cr_assert_eq(chord_open("ref", &ref.rt, NULL), CHORD_OK);
    cr_assert_eq(chord_llama_load(&ref.rt, g, &lp_file, &ref.m), CHORD_OK, "ref %s: load: %s", tname,
                 chord_last_error());
    ref.n_vocab = got.n_vocab;
    ref.logits = malloc((size_t)ref.n_vocab * sizeof(float));
    cr_assert(got.logits && ref.logits);

    int32_t ids[32];
    for (int i = 0; i < 13; i++) /* 13 prompt tokens: batches of 8 and 5 */
        ids[i] = (int32_t)((i * 97 + 11) % got.n_vocab);
    eval(&got, ids, 13, 0);
    eval(&ref, ids, 13, 0);
    char what[64];
    snprintf(what, sizeof what, "synthetic %s prompt", tname);
    expect_close(&ref, &got, what, 0);
    for (int i = 0; i < 8; i++) {
        const int32_t next = chord_logits_argmax(got.logits, got.n_vocab);
        eval(&got, &next, 1, 13 + i);
        eval(&ref, &next, 1, 13 + i);
        snprintf(what, sizeof what, "synthetic %s step %d", tname, i + 1);
        expect_close(&ref, &got, what, 0);
    }
    fixture_close(&ref);
    fixture_close(&got);
    chord_gguf_close(g);
}

/* The split forms hold the file's values: on ref, a model whose every matrix is re-laid (k = 256 and 512, the output
 * tied to token_embd, so the embedding rows are dequantized from the split form too) gives bit-identical logits to
 * the same model in the file's layout, prompt and greedy steps; f16 has no split form. */
Test(model, split_layout_matches_file_layout, .timeout = 120)
{
    static const chord_type types[] = {CHORD_TYPE_Q4_0, CHORD_TYPE_Q4_1, CHORD_TYPE_Q8_0, CHORD_TYPE_F16};
    const chord_synth_shape shape = {"test", 256, 2, 4, 2, 512, 512, 256, 10000.0f, 1e-5f, 1, CHORD_SYNTH_VOCAB_CHATML};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        const chord_synth_params sp = {types[t], 11, 0};
        char path[256];
        snprintf(path, sizeof path, "%s/chord_test_split_%d_%s.gguf", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
                 (int)getpid(), chord_type_info(types[t])->name);
        cr_assert_eq(chord_synth_write(&shape, &sp, path), CHORD_OK, "synth %s: %s", path, chord_last_error());
        chord_gguf *g;
        chord_status s = chord_gguf_open(path, &g);
        unlink(path);
        cr_assert_eq(s, CHORD_OK, "%s: %s", path, chord_last_error());
        model_fixture split, file;
        memset(&split, 0, sizeof split);
        memset(&file, 0, sizeof file);
        const chord_llama_params lp = {64, 8, NULL, NULL, 0}, lp_file = {64, 8, NULL, NULL, 1};
        cr_assert_eq(chord_open("ref", &split.rt, NULL), CHORD_OK);
        cr_assert_eq(chord_open("ref", &file.rt, NULL), CHORD_OK);
        cr_assert_eq(chord_llama_load(&split.rt, g, &lp, &split.m), CHORD_OK, "%s", chord_last_error());
        cr_assert_eq(chord_llama_load(&file.rt, g, &lp_file, &file.m), CHORD_OK, "%s", chord_last_error());
        /* 7 matrices per layer and the tied token_embd */
        const int want = types[t] == CHORD_TYPE_F16 ? 0 : 2 * 7 + 1;
        cr_assert_eq(chord_llama_n_split(split.m), want, "%s: %d matrices split", chord_type_info(types[t])->name,
                     chord_llama_n_split(split.m));
        cr_assert_eq(chord_llama_n_split(file.m), 0);
        split.n_vocab = file.n_vocab = chord_llama_get_hparams(split.m)->n_vocab;
        split.logits = malloc((size_t)split.n_vocab * sizeof(float));
        file.logits = malloc((size_t)file.n_vocab * sizeof(float));
        cr_assert(split.logits && file.logits);
        int32_t ids[16];
        for (int i = 0; i < 11; i++)
            ids[i] = (int32_t)((i * 131 + 7) % split.n_vocab);
        eval(&split, ids, 11, 0);
        eval(&file, ids, 11, 0);
        for (int step = 0; step < 4; step++) {
            cr_assert(memcmp(split.logits, file.logits, (size_t)split.n_vocab * sizeof(float)) == 0,
                      "%s step %d: split and file layouts give different logits", chord_type_info(types[t])->name,
                      step);
            const int32_t next = chord_logits_argmax(file.logits, file.n_vocab);
            eval(&split, &next, 1, 11 + step);
            eval(&file, &next, 1, 11 + step);
        }
        fixture_close(&split);
        fixture_close(&file);
        chord_gguf_close(g);
    }
}
