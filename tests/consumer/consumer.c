/* Uses chord through its installed public API only: one rmsnorm on every backend that opens here, checked
 * against a CPU computation written below, then greedy generation of 4 tokens with a GGUF model.
 *   chord-consumer MODEL.gguf [BACKEND]   (BACKEND for the model: default auto)
 * Exit 0 when every backend that opened agreed and the model generated; 1 otherwise. */
#include <chord/chord.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N_ROWS = 3, N_COLS = 257 };

/* rmsnorm on the host, in double: y = x / sqrt(mean(x^2) + eps) * w */
static void rmsnorm_host(const float *x, const float *w, float *y, int n_rows, int n_cols, float eps)
{
    for (int r = 0; r < n_rows; r++) {
        double ss = 0;
        for (int c = 0; c < n_cols; c++)
            ss += (double)x[r * n_cols + c] * x[r * n_cols + c];
        const double scale = 1.0 / sqrt(ss / n_cols + eps);
        for (int c = 0; c < n_cols; c++)
            y[r * n_cols + c] = (float)(x[r * n_cols + c] * scale * w[c]);
    }
}

/* 1: agreed, 0: disagreed or failed (said why), -1: the backend has no device here */
static int rmsnorm_on(const char *name)
{
    chord_rt rt;
    chord_status s = chord_open(name, &rt, NULL);
    if (s == CHORD_ERR_UNAVAILABLE) {
        printf("rmsnorm %-7s skipped: %s\n", name, chord_last_error());
        return -1;
    }
    if (s != CHORD_OK) {
        printf("rmsnorm %-7s FAIL open: %s\n", name, chord_last_error());
        return 0;
    }
    static float x[N_ROWS * N_COLS], w[N_COLS], want[N_ROWS * N_COLS], got[N_ROWS * N_COLS];
    for (int i = 0; i < N_ROWS * N_COLS; i++)
        x[i] = (float)sin(0.37 * i) * 2.0f;
    for (int i = 0; i < N_COLS; i++)
        w[i] = 0.5f + (float)(i % 11) / 10.0f;
    const chord_rmsnorm_args a = {N_ROWS, N_COLS, 1e-5f};
    rmsnorm_host(x, w, want, N_ROWS, N_COLS, a.eps);

    chord_buf *bx = NULL, *bw = NULL, *by = NULL;
    int ok = 0;
    if ((s = chord_alloc(&rt, sizeof x, &bx)) || (s = chord_alloc(&rt, sizeof w, &bw)) ||
        (s = chord_alloc(&rt, sizeof got, &by)) || (s = chord_upload(&rt, bx, 0, x, sizeof x)) ||
        (s = chord_upload(&rt, bw, 0, w, sizeof w)) ||
        (s = chord_launch(&rt, CHORD_OP_RMSNORM, (const chord_tensor[]){{bx, 0}, {bw, 0}, {by, 0}}, &a)) ||
        (s = chord_download(&rt, by, 0, got, sizeof got)) || (s = chord_sync(&rt))) {
        printf("rmsnorm %-7s FAIL %s: %s\n", name, chord_status_name(s), chord_last_error());
    } else {
        double max_err = 0;
        for (int i = 0; i < N_ROWS * N_COLS; i++) {
            const double e = fabs((double)got[i] - want[i]) / (1e-6 + fabs((double)want[i]));
            max_err = e > max_err || isnan(got[i]) ? (isnan(got[i]) ? INFINITY : e) : max_err;
        }
        ok = max_err <= 1e-5;
        printf("rmsnorm %-7s %s on %s: %dx%d, max relative error %.2e\n", name, ok ? "ok  " : "FAIL", rt.info.name,
               N_ROWS, N_COLS, max_err);
    }
    chord_free(&rt, by);
    chord_free(&rt, bw);
    chord_free(&rt, bx);
    chord_close(&rt);
    return ok;
}

/* Greedy generation of n_gen tokens after a prompt; prints the text. 1 on success. */
static int generate(const char *path, const char *backend, int n_gen)
{
    chord_gguf *g = NULL;
    chord_tokenizer *tok = NULL;
    chord_llama *m = NULL;
    chord_sampler *smp = NULL;
    float *logits = NULL;
    chord_rt rt;
    int opened = 0, ok = 0;
    int32_t ids[64];
    int n_ids = 0;
    chord_status s;
    const char *prompt = "The capital of France is";
    if ((s = chord_gguf_open(path, &g)) || (s = chord_tokenizer_load(g, &tok)) ||
        (s = chord_tokenize(tok, prompt, chord_tokenizer_add_bos(tok), 0, ids, 64, &n_ids)))
        goto out;
    if ((s = chord_open(backend, &rt, NULL)))
        goto out;
    opened = 1;
    const chord_llama_params lp = {.n_ctx = 64};
    if ((s = chord_llama_load(&rt, g, &lp, &m)))
        goto out;
    const int n_vocab = chord_llama_get_hparams(m)->n_vocab;
    chord_sampler_params sp = chord_sampler_default_params();
    sp.temp = 0; /* greedy: the same tokens on every backend */
    if (!(logits = malloc(sizeof(float) * (size_t)n_vocab))) {
        s = CHORD_ERR_NOMEM;
        goto out;
    }
    if ((s = chord_sampler_create(&sp, n_vocab, &smp)) || (s = chord_llama_eval(m, ids, n_ids, 0, logits)))
        goto out;
    printf("generate on %s (%s): %s", rt.be->name, rt.info.name, prompt);
    for (int i = 0; i < n_gen; i++) {
        int32_t next;
        if ((s = chord_sampler_sample(smp, logits, &next)))
            goto out;
        chord_sampler_accept(smp, next);
        char piece[64];
        const int n = chord_token_bytes(tok, next, piece, sizeof piece);
        printf("%.*s", n < (int)sizeof piece ? n : (int)sizeof piece - 1, piece);
        if ((s = chord_llama_eval(m, &next, 1, n_ids + i, logits)))
            goto out;
    }
    printf("\ngenerate: %d tokens after a %d-token prompt\n", n_gen, n_ids);
    ok = 1;
out:
    if (!ok)
        printf("\ngenerate FAIL %s: %s\n", chord_status_name(s), chord_last_error());
    free(logits);
    chord_sampler_free(smp);
    chord_llama_free(m);
    if (opened)
        chord_close(&rt);
    chord_tokenizer_free(tok);
    chord_gguf_close(g);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fprintf(argc < 2 ? stderr : stdout, "usage: %s MODEL.gguf [BACKEND]\n", argv[0]);
        return argc < 2 ? 1 : 0;
    }
    printf("chord %s (header %d.%d.%d), %d backends compiled in\n", CHORD_VERSION_STRING, CHORD_VERSION_MAJOR,
           CHORD_VERSION_MINOR, CHORD_VERSION_PATCH, chord_backend_count());
    int bad = 0, ran = 0;
    for (int i = 0; i < chord_backend_count(); i++) {
        const int r = rmsnorm_on(chord_backend_at(i)->name);
        bad += r == 0;
        ran += r == 1;
    }
    if (!ran) {
        printf("rmsnorm ran on no backend\n");
        bad++;
    }
    bad += !generate(argv[1], argc > 2 ? argv[2] : "auto", 4);
    return bad ? 1 : 0;
}
