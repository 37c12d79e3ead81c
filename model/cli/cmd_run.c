/* chord run: generate text with a GGUF Llama-family model on one backend, streaming UTF-8 safely, with device-synced
 * prefill and decode rates; --verify runs the same tokens through the ref backend and checks every step's logits;
 * --logits-out writes every evaluated position's logits (model/cli/logits_out.h). ^C stops at the next token with
 * the text so far and the rates so far, exit status 130. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chat.h"
#include "commands.h"
#include "llama.h"
#include "live_rate.h"
#include "logits_out.h"
#include "sampler.h"
#include "tokenizer.h"

typedef struct run_opts {
    const char *model, *backend, *system, *logits_out;
    const char *prompt; /* (prompt_len) bytes: -p's text or -f's file, NULs included */
    size_t prompt_len;
    char *prompt_file; /* -f's contents (owned) */
    int n_predict, n_ctx, n_batch;
    int chat, verify, json, quiet, profile, file_layout;
    chord_sampler_params sp;
} run_opts;

static int usage(FILE *f, int code)
{
    fprintf(f,
            "usage: chord run [-m MODEL.gguf] (-p PROMPT | -f FILE) [-n N] [-b BACKEND[:DEVICE]] [options]\n\n"
            "Generates up to N tokens after PROMPT, streaming the text to stdout, then prints the prefill and\n"
            "decode rates (tokens/s, timed after device sync) on stderr. ^C stops at the next token: the text\n"
            "and the rates so far are printed, exit status 130.\n\n"
            "  -m, --model PATH      GGUF model (default: $CHORD_MODEL_DIR or ~/.cache/chord, file " CLI_DEFAULT_MODEL
            ";\n"
            "                        ci/fetch-model.sh downloads it)\n"
            "  -p, --prompt TEXT     the prompt\n"
            "  -f, --file PATH       the prompt from a file, its bytes exactly (no newline added or removed)\n"
            "  -n, --n-predict N     tokens to generate (default 64); stops early at an end-of-generation token\n"
            "  -b, --backend B       cpu, ref, opencl, vulkan, cuda (as built), optionally :DEVICE; default auto:\n"
            "                        the first (chord info) that starts, loads the model and passes its warm-up\n"
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
            "  --logits-out FILE     write the f32 logits of every evaluated position (each prompt token, then each\n"
            "                        generated token fed back), little-endian: char[8] \"" CHORD_LOGITS_MAGIC
            "\", u32 version 1,\n"
            "                        u32 n_vocab, u32 n_positions, u32 0, i32 token[n_positions], then\n"
            "                        f32 logits[n_positions][n_vocab] (row i: after token[i] at position i)\n"
            "  --json                print one JSON object with the text, counts and rates instead of streaming\n"
            "  --profile             sync after every launch and print the time per op (slows the run)\n"
            "  --file-layout         keep every weight matrix in the file's block layout (by default q4_0, q4_1\n"
            "                        and q8_0 matrices are re-laid for 16-byte loads where the backend has those\n"
            "                        forms: the same values; the ref under --verify always keeps the "
            "file's)\n" CLI_THREADS_HELP CLI_VERBOSE_HELP "  -q, --quiet           no loading progress\n",
            CHORD_LOGITS_NMSE_MAX, CHORD_LOGITS_TIE_REL);
    return code;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int parse_int(const char *s, int lo, int *out) { return cli_parse_int(s, lo, 1 << 30, out); }

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
        else if (IS("-v") || IS("--verbose"))
            cli_verbose = 1;
        else if (!v && a[0] == '-') {
            fprintf(stderr, "chord run: unknown option or missing value: '%s'\n", a);
            return usage(stderr, 2);
        } else if (IS("-m") || IS("--model"))
            o->model = argv[++i];
        else if (IS("-p") || IS("--prompt")) {
            o->prompt = argv[++i];
            o->prompt_len = strlen(o->prompt);
        } else if (IS("-f") || IS("--file")) {
            free(o->prompt_file);
            o->prompt_file = NULL;
            if (cli_read_file("run", argv[++i], &o->prompt_file, &o->prompt_len))
                return 1;
            o->prompt = o->prompt_file;
        } else if (IS("-t") || IS("--threads")) {
            if (cli_set_threads("run", argv[++i]))
                return 2;
        } else if (IS("--logits-out"))
            o->logits_out = argv[++i];
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
            bad = cli_parse_float(argv[++i], 0.0f, &o->sp.temp);
        else if (IS("--top-k"))
            bad = parse_int(argv[++i], 0, &o->sp.top_k);
        else if (IS("--top-p")) {
            bad = cli_parse_float(argv[++i], 0.0f, &o->sp.top_p) || o->sp.top_p > 1.0f;
        } else if (IS("--repeat-penalty"))
            bad = cli_parse_float(argv[++i], 0.0f, &o->sp.repeat_penalty) || o->sp.repeat_penalty == 0.0f;
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
        fprintf(stderr, "chord run: no prompt (-p TEXT or -f FILE)\n");
        return usage(stderr, 2);
    }
    return -1;
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
    float *logits, *ref_logits; /* (n_vocab) the last evaluated position's */
    float *rows;                /* --logits-out: (n_batch, n_vocab) every position of a prefill batch */
    logits_out lo;
    int32_t *ids;
    int n_prompt, n_gen, n_decode;
    double prefill_ms, decode_ms;
    int verify_fail, verify_steps;
    double verify_worst;
    int interrupted;
    int greedy;   /* plain argmax decoding with nothing that needs the logits: the backend picks the token */
    int32_t next; /* then: the token after the last evaluated position */
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

/* n tokens at pos on the model (and the ref with --verify): the last position's logits in S->logits; with
 * --logits-out every position's go to the file. */
static chord_status eval_both(run_state *S, const int32_t *ids, int n, int pos, double *ms)
{
    const size_t n_vocab = (size_t)chord_llama_get_hparams(S->m)->n_vocab;
    const double t0 = now_ms();
    if (S->o.logits_out) {
        CHORD_TRY(chord_llama_eval_all(S->m, ids, n, pos, S->rows));
        memcpy(S->logits, S->rows + (size_t)(n - 1) * n_vocab, n_vocab * sizeof(float));
    } else if (S->greedy) {
        CHORD_TRY(chord_llama_eval_argmax(S->m, ids, n, pos, &S->next));
    } else {
        CHORD_TRY(chord_llama_eval(S->m, ids, n, pos, S->logits));
    }
    *ms += now_ms() - t0;
    if (S->o.logits_out && logits_out_add(&S->lo, ids, S->rows, n))
        return chord_fail(CHORD_ERR_IO, "--logits-out failed");
    if (S->ref)
        CHORD_TRY(chord_llama_eval(S->ref, ids, n, pos, S->ref_logits));
    return CHORD_OK;
}

/* Streams one token's bytes (complete UTF-8 sequences only); a piece of any length. */
static void emit(run_state *S, chord_utf8_stream *us, int32_t id)
{
    if (chord_tokenizer_is_special(S->tok, id))
        return; /* control tokens are not text */
    char small[256], small_out[sizeof small + 4];
    char *bytes = small, *out = small_out;
    int n = chord_token_bytes(S->tok, id, small, sizeof small);
    if (n > (int)sizeof small) {
        bytes = malloc((size_t)n);
        out = malloc((size_t)n + 4);
        if (!bytes || !out) {
            free(bytes);
            free(out);
            return;
        }
        chord_token_bytes(S->tok, id, bytes, n);
    }
    size_t k = chord_utf8_stream_push(us, bytes, (size_t)(n > 0 ? n : 0), out, (size_t)(n > 0 ? n : 0) + 4);
    if (S->o.json || S->o.verify) /* kept whole, not interleaved with the per-step lines */
        text_append(&S->text, out, k);
    else {
        fwrite(out, 1, k, stdout);
        fflush(stdout);
    }
    if (bytes != small) {
        free(bytes);
        free(out);
    }
}

/* what: the stage, said once: left out when the message already starts with it ("tokenizer: ..."). */
static int fail(const char *what)
{
    const char *msg = chord_last_error();
    if (strncmp(msg, what, strlen(what)) == 0)
        fprintf(stderr, "chord run: %s\n", msg);
    else
        fprintf(stderr, "chord run: %s: %s\n", what, msg);
    return 1;
}

/* Untimed: device backends build kernels on first use (PoCL, drivers' pipeline caches), which belongs to neither
 * rate. One batch and one single-token step cover the prefill and decode variants; the cache rows they write are
 * overwritten by the prefill at position 0. */
static chord_status warm_up(run_state *S, chord_llama *m)
{
    const int n_warm = S->n_prompt < chord_llama_n_batch(m) ? S->n_prompt : chord_llama_n_batch(m);
    const double t0 = now_ms();
    CHORD_TRY(chord_llama_eval(m, S->ids, n_warm, 0, S->logits));
    CHORD_TRY(chord_llama_eval(m, S->ids, 1, 0, S->logits));
    if (!S->o.quiet && !S->o.json)
        fprintf(stderr, "chord run: warm-up (%d + 1 tokens, kernel builds) %.1f ms\n", n_warm, now_ms() - t0);
    return CHORD_OK;
}

/* Opens spec, loads the model on it and warms it up (ref needs none); 0, or 1 with the reason printed: as an error
 * for a backend named with -b, as one skip line in auto mode (absent backends only under -v). verify_ref: the
 * reference under --verify, loaded quietly and in the file's layout (the split forms are checked against it). */
static int open_on(run_state *S, const char *spec, chord_rt *rt, chord_llama **m, int verify_ref, int in_auto)
{
    chord_status s = chord_open(spec, rt, NULL);
    if (s != CHORD_OK) {
        if (in_auto)
            cli_skip_log(s == CHORD_ERR_UNAVAILABLE ? CHORD_SKIP_ABSENT : CHORD_SKIP_FAILED, spec, chord_last_error());
        else
            fprintf(stderr, "chord run: %s\n", chord_last_error());
        return 1;
    }
    if (!S->o.quiet)
        fprintf(stderr, "chord run: backend %s:%d (%s)\n", rt->be->name, rt->device, rt->info.name);
    int q = verify_ref || S->o.quiet;
    chord_llama_params p = {S->o.n_ctx, S->o.n_batch, progress, &q, S->o.file_layout || verify_ref};
    const char *stage = "cannot run the model";
    s = chord_llama_load(rt, S->g, &p, m);
    if (s == CHORD_OK && strcmp(rt->be->name, "ref") != 0) {
        stage = "failed at warm-up";
        s = warm_up(S, *m);
    }
    if (s == CHORD_OK) {
        if (!q && chord_llama_n_split(*m))
            fprintf(stderr, "chord run: %d matrices re-laid in their split form for 16-byte loads\n",
                    chord_llama_n_split(*m));
        return 0;
    }
    if (in_auto) {
        chord_fail(s, "%s: %s", stage, chord_last_error());
        cli_skip_log(CHORD_SKIP_FAILED, rt->be->name, chord_last_error());
    } else {
        fprintf(stderr, "chord run: %s on %s: %s\n", stage, rt->be->name, chord_last_error());
    }
    chord_llama_free(*m);
    *m = NULL;
    chord_close(rt);
    return 1;
}

/* -b names one backend; without it (or "auto") the backends are tried in chord_auto_order until one starts, runs
 * every op and weight type of the model and passes the warm-up (the reference is the last one). */
static int open_model(run_state *S, const char *spec, chord_rt *rt, chord_llama **m, int verify_ref)
{
    if (spec && strcmp(spec, "auto") != 0)
        return open_on(S, spec, rt, m, verify_ref, 0);
    cli_skip_log_for("chord run");
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
    const int n_ctx = chord_llama_n_ctx(S->m), n_batch = chord_llama_n_batch(S->m);
    chord_utf8_stream us = {0};
    live_rate live;
    live_rate_start(&live, o->json, o->verify, o->n_predict);
    if (o->profile)
        chord_llama_profile(S->m, 1); /* clears the warm-up's sums */
    cli_catch_sigint();
    /* the prompt a batch at a time (as chord_llama_eval would split it), so ^C is seen between batches */
    for (int b = 0; b < S->n_prompt && !cli_interrupted; b += n_batch) {
        const int n = S->n_prompt - b < n_batch ? S->n_prompt - b : n_batch;
        if (eval_both(S, S->ids + b, n, b, &S->prefill_ms) != CHORD_OK)
            return fail("prefill");
    }
    S->interrupted = cli_interrupted;
    if (S->ref && !S->interrupted)
        verify_step(S, 0);
    int pos = S->n_prompt;
    for (S->n_gen = 0; S->n_gen < o->n_predict && !S->interrupted; S->n_gen++) {
        int32_t id;
        if (S->greedy)
            id = S->next;
        else if (S->ref)
            id = chord_logits_argmax(S->logits, hp->n_vocab);
        else if (chord_sampler_sample(S->smp, S->logits, &id) != CHORD_OK)
            return fail("sampling");
        if (S->smp)
            chord_sampler_accept(S->smp, id);
        if (chord_tokenizer_is_eog(S->tok, id))
            break;
        emit(S, &us, id);
        if (S->n_gen + 1 == o->n_predict) {
            S->n_gen++;
            break;
        }
        if (pos >= n_ctx) {
            S->n_gen++;
            live_rate_end(&live);
            fprintf(stderr, "\nchord run: the context of %d tokens is full\n", n_ctx);
            break;
        }
        if (cli_interrupted) { /* the token is out; its step is not taken */
            S->n_gen++;
            S->interrupted = 1;
            break;
        }
        if (eval_both(S, &id, 1, pos, &S->decode_ms) != CHORD_OK) {
            live_rate_end(&live);
            return fail("decode");
        }
        pos++;
        S->n_decode++;
        live_rate_step(&live, S->n_decode, S->decode_ms);
        if (S->ref)
            verify_step(S, S->n_gen + 1);
    }
    char out[16];
    size_t k = chord_utf8_stream_flush(&us, out, sizeof out);
    live_rate_end(&live);
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
               ", \"n_decode\": %d, \"decode_ms\": %.3f, \"decode_tok_s\": %.3f, \"interrupted\": %s",
               S->n_prompt, S->n_gen, S->prefill_ms, pf_tps, S->n_decode, S->decode_ms, dc_tps,
               S->interrupted ? "true" : "false");
        if (S->ref)
            printf(", \"verify\": {\"steps\": %d, \"failed\": %d, \"worst_nmse\": %.3e}", S->verify_steps,
                   S->verify_fail, S->verify_worst);
        printf(", \"text\": ");
        json_str(stdout, S->text.p ? S->text.p : "", S->text.n);
        printf("}\n");
        fflush(stdout);
        return;
    }
    if (S->o.verify) {
        printf("%s\n", S->text.p ? S->text.p : "");
        fflush(stdout);
    }
    if (S->interrupted)
        fprintf(stderr, "chord run: interrupted after %d generated tokens\n", S->n_gen);
    fprintf(stderr,
            "chord run: %s: prefill %d tokens in %.1f ms (%.2f tok/s), decode %d tokens in %.1f ms (%.2f tok/s)\n",
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

/* The prompt's tokens into S->ids: chat-formatted when asked (special tokens parsed only then), else its bytes. */
static int tokenize_prompt(run_state *S)
{
    const run_opts *o = &S->o;
    const char *text = o->prompt;
    size_t len = o->prompt_len;
    char *formatted = NULL;
    if (o->chat) {
        if (memchr(o->prompt, 0, o->prompt_len)) {
            fprintf(stderr, "chord run: --chat: the prompt holds a NUL byte, which the chat template cannot take\n");
            return 1;
        }
        size_t size = o->prompt_len + (o->system ? strlen(o->system) : 0) + 4096;
        formatted = malloc(size);
        if (!formatted || chord_chat_format(S->g, o->system, o->prompt, formatted, size) != CHORD_OK) {
            free(formatted);
            return fail("chat template");
        }
        text = formatted;
        len = strlen(formatted);
    }
    const int max_ids = len < (size_t)(1 << 30) ? (int)len + 16 : 0; /* a token is at least one byte, bos aside */
    S->ids = max_ids ? malloc((size_t)max_ids * sizeof *S->ids) : NULL;
    chord_status s = S->ids ? chord_tokenize_n(S->tok, text, len, chord_tokenizer_add_bos(S->tok), o->chat, S->ids,
                                               max_ids, &S->n_prompt)
                            : chord_fail(CHORD_ERR_NOMEM, "no memory for the prompt's tokens");
    free(formatted);
    if (s != CHORD_OK)
        return fail("tokenize");
    if (S->n_prompt == 0) {
        fprintf(stderr, "chord run: the prompt is empty after tokenization\n");
        return 1;
    }
    return 0;
}

static int run(run_state *S, const char *path)
{
    run_opts *o = &S->o;
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
    if (tokenize_prompt(S))
        return 1;
    if (S->n_prompt > n_ctx) {
        fprintf(stderr, "chord run: the prompt is %d tokens, longer than the context of %d (--n-ctx)\n", S->n_prompt,
                n_ctx);
        return 1;
    }
    const size_t n_vocab = (size_t)hp.n_vocab;
    const size_t n_rows = o->logits_out ? (size_t)(o->n_batch > 0 ? o->n_batch : 32) : 0;
    S->logits = malloc(n_vocab * sizeof(float));
    S->ref_logits = malloc(n_vocab * sizeof(float));
    S->rows = n_rows ? malloc(n_rows * n_vocab * sizeof(float)) : NULL;
    if (!S->logits || !S->ref_logits || (n_rows && !S->rows)) {
        fprintf(stderr, "chord run: out of memory\n");
        return 1;
    }
    if (o->logits_out && logits_out_open(&S->lo, o->logits_out, hp.n_vocab))
        return 1;
    if (open_model(S, o->backend, &S->rt, &S->m, 0))
        return 1;
    if (o->verify) {
        if (o->sp.temp > 0)
            fprintf(stderr, "chord run: --verify decodes greedily (--temp ignored)\n");
        if (open_model(S, "ref", &S->ref_rt, &S->ref, 1))
            return 1;
    } else {
        if (chord_sampler_create(&o->sp, hp.n_vocab, &S->smp) != CHORD_OK)
            return fail("sampler");
        for (int i = 0; i < S->n_prompt; i++)
            chord_sampler_accept(S->smp, S->ids[i]);
        if (o->sp.temp > 0 && !o->quiet)
            fprintf(stderr, "chord run: sampling with seed %llu\n", (unsigned long long)o->sp.seed);
        /* the sampler's greedy branch without a penalty is chord_logits_argmax, which the backend can take */
        S->greedy = !o->logits_out && o->sp.temp <= 0 && (o->sp.repeat_penalty == 1.0f || o->sp.repeat_last_n == 0);
    }
    if (!o->quiet && !o->json)
        fprintf(stderr, "chord run: %d prompt tokens, n_ctx %d, n_batch %d\n", S->n_prompt, chord_llama_n_ctx(S->m),
                chord_llama_n_batch(S->m));
    int rc = generate(S);
    if (rc)
        return rc;
    report(S, path);
    if (o->profile)
        print_profile(S->m);
    if (o->logits_out && logits_out_close(&S->lo))
        return 1;
    if (o->logits_out && !o->quiet && !o->json)
        fprintf(stderr, "chord run: logits of %d positions written to %s\n", S->n_prompt + S->n_decode, o->logits_out);
    return S->interrupted ? 130 : S->verify_fail ? 1 : 0;
}

int cmd_run(int argc, char **argv)
{
    run_state S;
    memset(&S, 0, sizeof S);
    int rc = parse_args(argc, argv, &S.o);
    char *default_path = rc < 0 && !S.o.model ? cli_default_model_path() : NULL;
    if (rc < 0)
        rc = S.o.model || default_path ? run(&S, S.o.model ? S.o.model : default_path) : 1;
    logits_out_discard(&S.lo); /* a run that failed leaves no file (after a close this does nothing) */
    chord_sampler_free(S.smp);
    chord_llama_free(S.ref);
    chord_llama_free(S.m);
    chord_close(&S.ref_rt); /* safe on a zeroed or failed rt */
    chord_close(&S.rt);
    chord_tokenizer_free(S.tok);
    chord_gguf_close(S.g);
    free(S.logits);
    free(S.ref_logits);
    free(S.rows);
    free(S.ids);
    free(S.text.p);
    free(S.o.prompt_file);
    free(default_path);
    return rc;
}
