/* chord run: generate text with a GGUF Llama-family model on one backend, streaming UTF-8 safely, with device-synced
 * prefill and decode rates; --verify runs the same tokens through the ref backend and checks every step's logits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chat.h"
#include "commands.h"
#include "llama.h"
#include "sampler.h"
#include "tokenizer.h"

#define DEFAULT_MODEL "smollm2-135m-instruct-q4_1.gguf"

typedef struct run_opts {
    const char *model, *prompt, *backend, *system;
    int n_predict, n_ctx, n_batch;
    int chat, verify, json, quiet, profile, file_layout;
    chord_sampler_params sp;
} run_opts;

static int usage(FILE *f, int code)
{
    fprintf(f,
            "usage: chord run [-m MODEL.gguf] -p PROMPT [-n N] [-b BACKEND[:DEVICE]] [options]\n\n"
            "Generates up to N tokens after PROMPT, streaming the text to stdout, then prints the prefill and\n"
            "decode rates (tokens/s, timed after device sync) on stderr.\n\n"
            "  -m, --model PATH      GGUF model (default: $CHORD_MODEL_DIR or ~/.cache/chord, file " DEFAULT_MODEL
            ";\n"
            "                        ci/fetch-model.sh downloads it)\n"
            "  -p, --prompt TEXT     the prompt\n"
            "  -n, --n-predict N     tokens to generate (default 64); stops early at an end-of-generation token\n"
            "  -b, --backend B       ref, opencl, vulkan, cuda (as compiled in), optionally :DEVICE; default auto\n"
            "  --chat                wrap the prompt in the model's chat template (one user turn)\n"
            "  --system TEXT         system prompt for --chat\n"
            "  --temp T              sampling temperature; 0 = greedy (default 0)\n"
            "  --top-k K             keep the K most likely tokens (default 40; 0 = all)\n"
            "  --top-p P             nucleus sampling threshold (default 0.95; 1 = off)\n"
            "  --repeat-penalty R    penalty for tokens among the last 64 (default 1 = off)\n"
            "  --seed N              sampling seed (default: from the clock)\n"
            "  --n-ctx N             context length in tokens (default min(training context, 2048))\n"
            "  --n-batch N           prompt tokens per forward pass (default 32)\n"
            "  --verify              also run every step on the ref backend (greedy, the tokens the backend\n"
            "                        under test picks) and compare the logits: a step passes when\n"
            "                        NMSE <= %.0e and the top-1 tokens agree, or the ref rates the backend's\n"
            "                        top-1 within %.0e relative of its own (a near tie); exit 1 otherwise\n"
            "  --json                print one JSON object with the text, counts and rates instead of streaming\n"
            "  --profile             sync after every launch and print the time per op (slows the run)\n"
            "  --file-layout         keep every weight matrix in the file's block layout (by default q4_0, q4_1\n"
            "                        and q8_0 matrices are re-laid for 16-byte loads where the backend has those\n"
            "                        forms: the same values; the ref under --verify always keeps the file's)\n"
            "  -q, --quiet           no loading progress\n",
            CHORD_LOGITS_NMSE_MAX, CHORD_LOGITS_TIE_REL);
    return code;
}

static void log_line(const char *line)
{
    fprintf(stderr, "chord run: %s\n", line);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int parse_int(const char *s, int lo, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > (1 << 30))
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_float(const char *s, float lo, float *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !(v >= lo))
        return -1;
    *out = (float)v;
    return 0;
}

/* Returns -1 to go on, or the exit code. */
static int parse_args(int argc, char **argv, run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->n_predict = 64;
    o->sp = chord_sampler_default_params();
    o->sp.temp = 0.0f;           /* greedy unless asked: runs are reproducible and comparable across backends */
    o->sp.repeat_penalty = 1.0f; /* off, so greedy is the plain argmax */
    o->sp.seed = (uint64_t)time(NULL);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
#define IS(s) (!strcmp(a, s))
        if (IS("-h") || IS("--help"))
            return usage(stdout, 0);
        else if (IS("--chat"))
            o->chat = 1;
        else if (IS("--verify"))
            o->verify = 1;
        else if (IS("--json"))
            o->json = 1;
        else if (IS("--profile"))
            o->profile = 1;
        else if (IS("--file-layout"))
            o->file_layout = 1;
        else if (IS("-q") || IS("--quiet"))
            o->quiet = 1;
        else if (!v && a[0] == '-') {
            fprintf(stderr, "chord run: unknown option or missing value: '%s'\n", a);
            return usage(stderr, 2);
        } else if (IS("-m") || IS("--model"))
            o->model = argv[++i];
        else if (IS("-p") || IS("--prompt"))
            o->prompt = argv[++i];
        else if (IS("-b") || IS("--backend"))
            o->backend = argv[++i];
        else if (IS("--system"))
            o->system = argv[++i];
        else if (IS("-n") || IS("--n-predict"))
            bad = parse_int(argv[++i], 0, &o->n_predict);
        else if (IS("--n-ctx"))
            bad = parse_int(argv[++i], 1, &o->n_ctx);
        else if (IS("--n-batch"))
            bad = parse_int(argv[++i], 1, &o->n_batch);
        else if (IS("--temp"))
            bad = parse_float(argv[++i], 0.0f, &o->sp.temp);
        else if (IS("--top-k"))
            bad = parse_int(argv[++i], 0, &o->sp.top_k);
        else if (IS("--top-p")) {
            bad = parse_float(argv[++i], 0.0f, &o->sp.top_p) || o->sp.top_p > 1.0f;
        } else if (IS("--repeat-penalty"))
            bad = parse_float(argv[++i], 0.0f, &o->sp.repeat_penalty) || o->sp.repeat_penalty == 0.0f;
        else if (IS("--seed")) {
            char *end;
            errno = 0;
            o->sp.seed = strtoull(argv[++i], &end, 0);
            bad = errno || *end || end == argv[i];
        } else {
            fprintf(stderr, "chord run: unknown option '%s'\n", a);
            return usage(stderr, 2);
        }
#undef IS
        if (bad) {
            fprintf(stderr, "chord run: bad value '%s' for %s\n", argv[i], a);
            return 2;
        }
    }
    if (!o->prompt) {
        fprintf(stderr, "chord run: no prompt (-p TEXT)\n");
        return usage(stderr, 2);
    }
    return -1;
}

/* -m, else $CHORD_MODEL_DIR/DEFAULT_MODEL, else ~/.cache/chord/DEFAULT_MODEL. */
static const char *model_path(const run_opts *o, char *buf, size_t size)
{
    if (o->model)
        return o->model;
    const char *dir = getenv("CHORD_MODEL_DIR");
    if (dir && *dir)
        snprintf(buf, size, "%s/%s", dir, DEFAULT_MODEL);
    else
        snprintf(buf, size, "%s/.cache/chord/%s", getenv("HOME") ? getenv("HOME") : ".", DEFAULT_MODEL);
    return buf;
}

static void progress(void *user, int done, int total, size_t bytes)
{
    if (*(const int *)user)
        return;
    /* a live counter on a terminal, one line otherwise */
    if (done == total || (done % 16 == 0 && isatty(2)))
        fprintf(stderr, "\rchord run: loading %d/%d tensors, %.1f MiB%s", done, total, (double)bytes / (1 << 20),
                done == total ? "\n" : "");
}

static void json_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        const unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* The generated text, kept for --json. */
typedef struct text_buf {
    char *p;
    size_t n, cap;
} text_buf;

static int text_append(text_buf *t, const char *s, size_t n)
{
    if (t->n + n + 1 > t->cap) {
        size_t cap = (t->cap ? t->cap * 2 : 1024) + n;
        char *p = realloc(t->p, cap);
        if (!p)
            return -1;
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->n, s, n);
    t->n += n;
    t->p[t->n] = 0;
    return 0;
}

typedef struct run_state {
    run_opts o;
    chord_gguf *g;
    chord_tokenizer *tok;
    chord_rt rt, ref_rt;
    chord_llama *m, *ref;
    chord_sampler *smp;
    float *logits, *ref_logits;
    int32_t *ids;
    int n_prompt, n_gen, n_decode;
    double prefill_ms, decode_ms;
    int verify_fail, verify_steps;
    double verify_worst;
    text_buf text;
} run_state;

/* --verify: this step's logits against the ref's for the same tokens. */
static void verify_step(run_state *S, int step)
{
    const int n_vocab = chord_llama_get_hparams(S->m)->n_vocab;
    chord_logits_cmp c = chord_logits_compare(S->ref_logits, S->logits, n_vocab);
    S->verify_steps++;
    if (c.nmse > S->verify_worst)
        S->verify_worst = c.nmse;
    if (!c.ok)
        S->verify_fail++;
    if (!S->o.json || !c.ok)
        fprintf(stderr, "verify step %3d: nmse %.3e  top1 %s (ref %d, got %d, ref gap %.3g)%s\n", step, c.nmse,
                c.ref_top1 == c.got_top1 ? "agree" : "differ", c.ref_top1, c.got_top1, c.ref_gap,
                c.ok ? "" : "  MISMATCH");
}

static chord_status eval_both(run_state *S, const int32_t *ids, int n, int pos, double *ms)
{
    const double t0 = now_ms();
    CHORD_TRY(chord_llama_eval(S->m, ids, n, pos, S->logits));
    *ms += now_ms() - t0;
    if (S->ref)
        CHORD_TRY(chord_llama_eval(S->ref, ids, n, pos, S->ref_logits));
    return CHORD_OK;
}

/* Streams one token's bytes (complete UTF-8 sequences only). */
static void emit(run_state *S, chord_utf8_stream *us, int32_t id)
{
    char bytes[256], out[300];
    if (chord_tokenizer_is_special(S->tok, id))
        return; /* control tokens are not text */
    int n = chord_token_bytes(S->tok, id, bytes, sizeof bytes);
    if (n > (int)sizeof bytes)
        n = sizeof bytes;
    size_t k = chord_utf8_stream_push(us, bytes, (size_t)(n > 0 ? n : 0), out, sizeof out);
    if (S->o.json || S->o.verify) /* kept whole, not interleaved with the per-step lines */
        text_append(&S->text, out, k);
    else {
        fwrite(out, 1, k, stdout);
        fflush(stdout);
    }
}

static int fail(const char *what)
{
    fprintf(stderr, "chord run: %s: %s\n", what, chord_last_error());
    return 1;
}

/* Opens the backend and loads the model on it; prints the failure and returns 1, or 0. verify_ref: the reference
 * under --verify, loaded quietly and in the file's layout (the split forms are checked against it). */
static int open_on(run_state *S, const char *spec, chord_rt *rt, chord_llama **m, int verify_ref, int log_only)
{
    if (chord_open(spec, rt, log_line) != CHORD_OK) {
        if (log_only) {
            fprintf(stderr, "chord run: backend %s unavailable: %s\n", spec, chord_last_error());
            return 1;
        }
        return fail("backend");
    }
    if (!S->o.quiet)
        fprintf(stderr, "chord run: backend %s:%d (%s)\n", rt->be->name, rt->device, rt->info.name);
    int q = verify_ref || S->o.quiet;
    chord_llama_params p = {S->o.n_ctx, S->o.n_batch, progress, &q, S->o.file_layout || verify_ref};
    if (chord_llama_load(rt, S->g, &p, m) != CHORD_OK) {
        fprintf(stderr, "chord run: cannot run the model on %s: %s\n", rt->be->name, chord_last_error());
        chord_close(rt);
        return 1;
    }
    if (!q && chord_llama_n_split(*m))
        fprintf(stderr, "chord run: %d matrices re-laid in their split form for 16-byte loads\n",
                chord_llama_n_split(*m));
    return 0;
}

/* -b names one backend; without it (or "auto") the backends are tried in preference order until one starts and
 * supports every op and weight type of the model, each refusal printed (the reference is the last one). */
static int open_model(run_state *S, const char *spec, chord_rt *rt, chord_llama **m, int verify_ref)
{
    if (spec && strcmp(spec, "auto") != 0)
        return open_on(S, spec, rt, m, verify_ref, 0);
    const chord_backend *order[16];
    const int n = chord_auto_order(order, 16);
    for (int i = 0; i < n; i++)
        if (open_on(S, order[i]->name, rt, m, verify_ref, 1) == 0)
            return 0;
    fprintf(stderr, "chord run: no backend can run this model\n");
    return 1;
}

static int generate(run_state *S)
{
    const run_opts *o = &S->o;
    const chord_llama_hparams *hp = chord_llama_get_hparams(S->m);
    const int n_ctx = chord_llama_n_ctx(S->m);
    chord_utf8_stream us = {0};
    if (strcmp(S->rt.be->name, "ref") != 0) {
        /* Warm-up, untimed: device backends build kernels on first use (PoCL, drivers' pipeline caches), which
         * belongs to neither rate. One batch and one single-token step cover the prefill and decode variants;
         * the cache rows they write are overwritten by the prefill at position 0. */
        const int n_warm = S->n_prompt < chord_llama_n_batch(S->m) ? S->n_prompt : chord_llama_n_batch(S->m);
        const double t0 = now_ms();
        if (chord_llama_eval(S->m, S->ids, n_warm, 0, S->logits) != CHORD_OK ||
            chord_llama_eval(S->m, S->ids, 1, 0, S->logits) != CHORD_OK)
            return fail("warm-up");
        if (!o->quiet && !o->json)
            fprintf(stderr, "chord run: warm-up (%d + 1 tokens, kernel builds) %.1f ms\n", n_warm, now_ms() - t0);
        if (o->profile)
            chord_llama_profile(S->m, 1); /* clears the warm-up's sums */
    }
    if (eval_both(S, S->ids, S->n_prompt, 0, &S->prefill_ms) != CHORD_OK)
        return fail("prefill");
    if (S->ref)
        verify_step(S, 0);
    int pos = S->n_prompt;
    for (S->n_gen = 0; S->n_gen < o->n_predict; S->n_gen++) {
        int32_t id;
        if (S->ref)
            id = chord_logits_argmax(S->logits, hp->n_vocab);
        else if (chord_sampler_sample(S->smp, S->logits, &id) != CHORD_OK)
            return fail("sampling");
        if (S->smp)
            chord_sampler_accept(S->smp, id);
        if (chord_tokenizer_is_eog(S->tok, id))
            break;
        emit(S, &us, id);
        if (S->n_gen + 1 == o->n_predict)
            { S->n_gen++; break; }
        if (pos >= n_ctx) {
            S->n_gen++;
            fprintf(stderr, "\nchord run: the context of %d tokens is full\n", n_ctx);
            break;
        }
        if (eval_both(S, &id, 1, pos, &S->decode_ms) != CHORD_OK)
            return fail("decode");
        pos++;
        S->n_decode++;
        if (S->ref)
            verify_step(S, S->n_gen + 1);
    }
    char out[16];
    size_t k = chord_utf8_stream_flush(&us, out, sizeof out);
    if (o->json || o->verify)
        text_append(&S->text, out, k);
    else {
        fwrite(out, 1, k, stdout);
        fputc('\n', stdout);
        fflush(stdout);
    }
    return 0;
}

static void report(const run_state *S, const char *path)
{
    const double pf_tps = S->prefill_ms > 0 ? S->n_prompt / (S->prefill_ms * 1e-3) : 0;
    const double dc_tps = S->decode_ms > 0 ? S->n_decode / (S->decode_ms * 1e-3) : 0;
    if (S->o.json) {
        printf("{\"model\": ");
        json_str(stdout, path, strlen(path));
        printf(", \"backend\": \"%s\", \"device\": ", S->rt.be->name);
        json_str(stdout, S->rt.info.name, strlen(S->rt.info.name));
        printf(", \"n_prompt\": %d, \"n_gen\": %d, \"prefill_ms\": %.3f, \"prefill_tok_s\": %.3f"
               ", \"n_decode\": %d, \"decode_ms\": %.3f, \"decode_tok_s\": %.3f",
               S->n_prompt, S->n_gen, S->prefill_ms, pf_tps, S->n_decode, S->decode_ms, dc_tps);
        if (S->ref)
            printf(", \"verify\": {\"steps\": %d, \"failed\": %d, \"worst_nmse\": %.3e}", S->verify_steps,
                   S->verify_fail, S->verify_worst);
        printf(", \"text\": ");
        json_str(stdout, S->text.p ? S->text.p : "", S->text.n);
        printf("}\n");
        return;
    }
    if (S->o.verify) {
        printf("%s\n", S->text.p ? S->text.p : "");
        fflush(stdout);
    }
    fprintf(stderr, "chord run: %s: prefill %d tokens in %.1f ms (%.2f tok/s), decode %d tokens in %.1f ms (%.2f tok/s)\n",
            S->rt.be->name, S->n_prompt, S->prefill_ms, pf_tps, S->n_decode, S->decode_ms, dc_tps);
    if (S->ref)
        fprintf(stderr, "chord run: verify against ref: %d steps, %d failed, worst NMSE %.3e (max %.0e)\n",
                S->verify_steps, S->verify_fail, S->verify_worst, CHORD_LOGITS_NMSE_MAX);
}

static void print_profile(const chord_llama *m)
{
    double total = 0, ms;
    for (int op = 0; op < CHORD_OP_COUNT; op++) {
        chord_llama_profile_get(m, (chord_op)op, &ms);
        total += ms;
    }
    fprintf(stderr, "chord run: profile (each launch synced)\n  %-12s %8s %10s %10s %6s\n", "op", "launches",
            "total ms", "ms/launch", "share");
    for (int op = 0; op < CHORD_OP_COUNT; op++) {
        const int n = chord_llama_profile_get(m, (chord_op)op, &ms);
        if (n)
            fprintf(stderr, "  %-12s %8d %10.1f %10.3f %5.1f%%\n", chord_op_name((chord_op)op), n, ms, ms / n,
                    total > 0 ? 100 * ms / total : 0);
    }
}

static int run(run_state *S)
{
    run_opts *o = &S->o;
    char path_buf[4096];
    const char *path = model_path(o, path_buf, sizeof path_buf);
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        fprintf(stderr, "chord run: cannot open model '%s': %s\n", path, strerror(errno));
        if (!o->model)
            fprintf(stderr, "chord run: the default model is fetched by ci/fetch-model.sh (or pass -m MODEL.gguf)\n");
        return 1;
    }
    fclose(probe);
    if (chord_gguf_open(path, &S->g) != CHORD_OK)
        return fail("model");
    chord_llama_hparams hp;
    if (chord_llama_read_hparams(S->g, &hp) != CHORD_OK)
        return fail("model");
    const int n_ctx = chord_llama_resolve_n_ctx(&hp, o->n_ctx);
    if (chord_tokenizer_load(S->g, &S->tok) != CHORD_OK)
        return fail("tokenizer");

    /* the prompt: chat-formatted when asked, special tokens parsed only then */
    const char *text = o->prompt;
    char *formatted = NULL;
    if (o->chat) {
        size_t size = strlen(o->prompt) + (o->system ? strlen(o->system) : 0) + 4096;
        formatted = malloc(size);
        if (!formatted || chord_chat_format(S->g, o->system, o->prompt, formatted, size) != CHORD_OK) {
            free(formatted);
            return fail("chat template");
        }
        text = formatted;
    }
    int max_ids = (int)strlen(text) + 16;
    S->ids = malloc((size_t)max_ids * sizeof *S->ids);
    chord_status s = S->ids ? chord_tokenize(S->tok, text, chord_tokenizer_add_bos(S->tok), o->chat, S->ids, max_ids,
                                             &S->n_prompt)
                            : chord_fail(CHORD_ERR_NOMEM, "no memory for the prompt's tokens");
    free(formatted);
    if (s != CHORD_OK)
        return fail("tokenize");
    if (S->n_prompt == 0) {
        fprintf(stderr, "chord run: the prompt is empty after tokenization\n");
        return 1;
    }

    if (S->n_prompt > n_ctx) {
        fprintf(stderr, "chord run: the prompt is %d tokens, longer than the context of %d (--n-ctx)\n",
                S->n_prompt, n_ctx);
        return 1;
    }
    if (open_model(S, o->backend, &S->rt, &S->m, 0))
        return 1;
    if (o->verify) {
        if (o->sp.temp > 0)
            fprintf(stderr, "chord run: --verify decodes greedily (--temp ignored)\n");
        if (open_model(S, "ref", &S->ref_rt, &S->ref, 1))
            return 1;
    } else {
        if (chord_sampler_create(&o->sp, chord_llama_get_hparams(S->m)->n_vocab, &S->smp) != CHORD_OK)
            return fail("sampler");
        for (int i = 0; i < S->n_prompt; i++)
            chord_sampler_accept(S->smp, S->ids[i]);
        if (o->sp.temp > 0 && !o->quiet)
            fprintf(stderr, "chord run: sampling with seed %llu\n", (unsigned long long)o->sp.seed);
    }
    const int n_vocab = chord_llama_get_hparams(S->m)->n_vocab;
    S->logits = malloc((size_t)n_vocab * sizeof(float));
    S->ref_logits = malloc((size_t)n_vocab * sizeof(float));
    if (!S->logits || !S->ref_logits) {
        fprintf(stderr, "chord run: out of memory\n");
        return 1;
    }
    if (!o->quiet && !o->json)
        fprintf(stderr, "chord run: %d prompt tokens, n_ctx %d, n_batch %d\n", S->n_prompt, chord_llama_n_ctx(S->m),
                chord_llama_n_batch(S->m));
    if (o->profile)
        chord_llama_profile(S->m, 1);
    int rc = generate(S);
    if (rc)
        return rc;
    report(S, path);
    if (o->profile)
        print_profile(S->m);
    return S->verify_fail ? 1 : 0;
}

int cmd_run(int argc, char **argv)
{
    run_state S;
    memset(&S, 0, sizeof S);
    int rc = parse_args(argc, argv, &S.o);
    if (rc >= 0)
        return rc;
    rc = run(&S);
    chord_sampler_free(S.smp);
    chord_llama_free(S.ref);
    chord_llama_free(S.m);
    chord_close(&S.ref_rt); /* safe on a zeroed or failed rt */
    chord_close(&S.rt);
    chord_tokenizer_free(S.tok);
    chord_gguf_close(S.g);
    free(S.logits);
    free(S.ref_logits);
    free(S.ids);
    free(S.text.p);
    return rc;
}
