/* The chord command line as a user meets it, run as a child process ($CHORD_BUILD_DIR/bin/chord) on files the tests
 * write (the synthetic tiny model, crafted GGUF files): --help everywhere, bad values refused (inf, -t 0), errors
 * that say each thing once, POCL_CACHE_DIR empty or unusable, auto mode passing over a backend whose warm-up fails
 * and keeping absent ones quiet, chord tokenize's output, -f's bytes kept exactly, --logits-out's file against the
 * library's own logits, ^C during generation (text and rates, exit 130), and chord gguf info's keys taken from
 * their bytes (a NUL inside one, 600 bytes long). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gguf_write.h"
#include "llama.h"
#include "support_crafted.h"
#include "tokenizer.h"
#include "../model/cli/logits_out.h"

typedef struct run_result {
    int code; /* exit status, or 128 + the signal */
    char *out, *err;
    size_t out_len;
} run_result;

static const char *chord_path(void)
{
    static char path[4096];
    const char *dir = getenv("CHORD_BUILD_DIR");
    if (!dir || !*dir)
        cr_skip_test("CHORD_BUILD_DIR is not set (ctest sets it)");
    snprintf(path, sizeof path, "%s/bin/chord", dir);
    if (access(path, X_OK) != 0)
        cr_skip_test("%s is not built", path);
    return path;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap + 1);
    size_t got;
    while ((got = fread(s + n, 1, cap - n, f)) > 0)
        if ((n += got) == cap)
            s = realloc(s, (cap *= 2) + 1);
    fclose(f);
    s[n] = 0;
    if (len)
        *len = n;
    return s;
}

/* Sets "K=V", or unsets "-K", in the child. */
static void apply_env(const char *const *env)
{
    for (int i = 0; env && env[i]; i++) {
        if (env[i][0] == '-') {
            unsetenv(env[i] + 1);
            continue;
        }
        const char *eq = strchr(env[i], '=');
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)(eq - env[i]), env[i]);
        setenv(key, eq + 1, 1);
    }
}

/* Runs chord with args (NULL-terminated, without argv[0]) and env edits; stdout and stderr are captured whole. */
static run_result run_env(const char *const *args, const char *const *env)
{
    char out_path[64], err_path[64];
    snprintf(out_path, sizeof out_path, "/tmp/chord_test_cli_%d.out", (int)getpid());
    snprintf(err_path, sizeof err_path, "/tmp/chord_test_cli_%d.err", (int)getpid());
    const char *argv[64] = {chord_path()};
    int n = 1;
    for (; args[n - 1] && n < 63; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        apply_env(env);
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600),
            e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(o, 1);
        dup2(e, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    run_result r = {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), NULL, NULL, 0};
    r.out = slurp(out_path, &r.out_len);
    r.err = slurp(err_path, NULL);
    remove(out_path);
    remove(err_path);
    return r;
}

static run_result run(const char *const *args) { return run_env(args, NULL); }

static void done(run_result *r)
{
    free(r->out);
    free(r->err);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

Test(cli, help_on_every_command)
{
    const char *const *cmds[] = {ARGS("--help"),
                                 ARGS("info", "--help"),
                                 ARGS("check", "--help"),
                                 ARGS("run", "--help"),
                                 ARGS("tokenize", "--help"),
                                 ARGS("gguf", "--help"),
                                 ARGS("gguf", "info", "--help"),
                                 ARGS("gguf", "synth", "--help"),
                                 ARGS("bench-model", "--help")};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        run_result r = run(cmds[i]);
        cr_expect_eq(r.code, 0, "chord %s %s: exit %d", cmds[i][0], cmds[i][1] ? cmds[i][1] : "", r.code);
        cr_expect(strncmp(r.out, "usage: chord", 12) == 0, "chord %s: '%.60s'", cmds[i][0], r.out);
        done(&r);
    }
    run_result r = run(ARGS("run", "--help"));
    cr_expect(strstr(r.out, "--logits-out FILE") && strstr(r.out, CHORD_LOGITS_MAGIC) && strstr(r.out, "-f, --file") &&
                  strstr(r.out, "-t, --threads"),
              "run --help lacks an option");
    done(&r);
}

Test(cli, bad_values_refused)
{
    static const char *const cases[][2] = {{"--temp", "inf"},
                                           {"--temp", "nan"},
                                           {"--temp", "1e39"},
                                           {"--top-p", "inf"},
                                           {"--top-p", "1.5"},
                                           {"--repeat-penalty", "inf"},
                                           {"--repeat-penalty", "-inf"},
                                           {"-t", "0"},
                                           {"-t", "x"},
                                           {"--threads", "100000"},
                                           {"--n-ctx", "0"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_result r = run(ARGS("run", "-p", "hi", cases[i][0], cases[i][1]));
        cr_expect_eq(r.code, 2, "%s %s: exit %d (%s)", cases[i][0], cases[i][1], r.code, r.err);
        cr_expect(strstr(r.err, "bad value"), "%s %s: '%s'", cases[i][0], cases[i][1], r.err);
        done(&r);
    }
    run_result r = run(ARGS("check", "-t", "-3"));
    cr_expect_eq(r.code, 2);
    done(&r);
    r = run(ARGS("info", "--threads", "0"));
    cr_expect_eq(r.code, 2);
    done(&r);
}

Test(cli, threads_reach_the_cpu_backends)
{
    run_result r = run(ARGS("info", "-t", "1"));
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_expect(strstr(r.out, "split over 1 threads"), "ref does not show -t 1: %s", r.out);
    cr_expect(strstr(r.out, ", 1 threads (CHORD_CPU_THREADS"), "cpu does not show -t 1: %s", r.out);
    if (strstr(r.out, "Portable Computing Language")) /* PoCL: one thread is one compute unit */
        cr_expect(strstr(r.out, "; 1 CUs;"), "PoCL does not show -t 1: %s", r.out);
    done(&r);
}

Test(cli, errors_say_each_thing_once)
{
    const char *tiny = crafted_tiny_path();
    cr_assert_not_null(tiny);
    run_result r = run(ARGS("run", "-m", tiny, "-p", "hi", "-b", "nosuch"));
    cr_expect_eq(r.code, 1);
    cr_expect_eq(count(r.err, "backend"), 1, "'%s'", r.err);
    cr_expect(strstr(r.err, "chord run: backend 'nosuch' is not compiled in (have: "), "'%s'", r.err);
    done(&r);
    r = run(ARGS("check", "-b", "nosuch"));
    cr_expect_eq(r.code, 1);
    cr_expect_eq(count(r.err, "backend"), 1, "'%s'", r.err);
    done(&r);
}

Test(cli, pocl_cache_dir_empty_or_unusable)
{
    run_result r = run(ARGS("info"));
    const int pocl = strstr(r.out, "Portable Computing Language") != NULL;
    done(&r);
    if (!pocl)
        cr_skip_test("no PoCL device here");
    char xdg[64];
    snprintf(xdg, sizeof xdg, "XDG_CACHE_HOME=/tmp/chord_test_xdg_%d", (int)getpid());
    /* empty: PoCL asserts and aborts (exit 134) unless chord sets a directory first */
    r = run_env(ARGS("info"), (const char *const[]){"POCL_CACHE_DIR=", xdg, NULL});
    cr_expect_eq(r.code, 0, "POCL_CACHE_DIR='': exit %d: %s", r.code, r.err);
    cr_expect(strstr(r.err, "POCL_CACHE_DIR is set but empty: PoCL's kernel cache goes to /tmp/chord_test_xdg_"),
              "'%s'", r.err);
    cr_expect(strstr(r.out, "opencl:0"), "PoCL's device is gone: %s", r.out);
    done(&r);
    /* a directory that cannot be made: PoCL's device would vanish */
    r = run_env(ARGS("info"), (const char *const[]){"POCL_CACHE_DIR=/proc/chord/pocl", xdg, NULL});
    cr_expect_eq(r.code, 0);
    cr_expect(strstr(r.err, "POCL_CACHE_DIR=/proc/chord/pocl is not usable"), "'%s'", r.err);
    cr_expect(strstr(r.out, "opencl:0"), "PoCL's device is gone: %s", r.out);
    done(&r);
    char cleanup[128];
    snprintf(cleanup, sizeof cleanup, "rm -rf /tmp/chord_test_xdg_%d", (int)getpid());
    cr_expect_eq(system(cleanup), 0);
}

Test(cli, auto_mode_quiet_and_passes_over_a_failed_warm_up, .timeout = 300)
{
    /* no line for an absent backend without -v; with -v, one for each `chord info` calls absent */
    run_result info = run(ARGS("info"));
    const int n_absent = count(info.out, " absent: ");
    run_result r = run(ARGS("check", "-o", "add"));
    cr_expect_eq(r.code, 0, "%s", r.err);
    cr_expect_eq(count(r.err, "absent"), 0, "'%s'", r.err);
    done(&r);
    r = run(ARGS("check", "-o", "add", "-v"));
    cr_expect_eq(count(r.err, " absent: "), n_absent, "'%s' vs chord info '%s'", r.err, info.out);
    done(&r);
    const int opencl = strstr(info.out, "opencl:0") != NULL;
    done(&info);
    if (!opencl)
        cr_skip_test("no OpenCL device here");
    /* OpenCL sources from a copy whose add kernel does not compile: the warm-up fails */
    char dir[64], cmd[512];
    snprintf(dir, sizeof dir, "/tmp/chord_test_kernels_%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf %s && cp -r %s/kernels %s && echo 'this is not OpenCL C' >> %s/add/opencl.cl",
             dir, CHORD_SOURCE_DIR, dir, dir);
    cr_assert_eq(system(cmd), 0);
    char src[96];
    snprintf(src, sizeof src, "CHORD_OPENCL_SRC_DIR=%s", dir);
    /* and the cpu backend, which auto tries before PoCL, refuses to start (a path name it does not know) */
    const char *const env[] = {src, "CHORD_CPU_ISA=none", NULL};
    r = run_env(ARGS("check", "-o", "add"), env);
    cr_expect_eq(r.code, 0, "auto: %s", r.err);
    cr_expect_eq(count(r.err, "backend opencl skipped: failed at warm-up: opencl: building add/opencl.cl"), 1, "'%s'",
                 r.err);
    cr_expect(strstr(r.err, "chord check: backend ") && !strstr(r.err, "chord check: backend opencl:"), "'%s'", r.err);
    done(&r);
    r = run_env(ARGS("check", "-o", "add", "-b", "opencl"), env); /* named: it fails, with the build log */
    cr_expect_eq(r.code, 1);
    cr_expect(strstr(r.out, "ERROR") && strstr(r.out, "building add/opencl.cl"), "'%s'", r.out);
    done(&r);
    const char *tiny = crafted_tiny_path();
    r = run_env(ARGS("run", "-m", tiny, "-p", "hi", "-n", "2", "-q"), env);
    cr_expect_eq(r.code, 0, "run auto: %s", r.err);
    cr_expect_eq(count(r.err, "backend opencl skipped: failed at warm-up"), 1, "'%s'", r.err);
    done(&r);
    r = run_env(ARGS("run", "-m", tiny, "-p", "hi", "-n", "2", "-b", "opencl"), env);
    cr_expect_eq(r.code, 1);
    cr_expect(strstr(r.err, "chord run: failed at warm-up on opencl: "), "'%s'", r.err);
    done(&r);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
}

/* The library's ids for n bytes of text (parse_special as chord tokenize's default). */
static int lib_tokenize(const char *model, const char *text, size_t n, int add_bos, int32_t *ids, int max)
{
    chord_gguf *g;
    chord_tokenizer *tok;
    cr_assert_eq(chord_gguf_open(model, &g), CHORD_OK);
    cr_assert_eq(chord_tokenizer_load(g, &tok), CHORD_OK);
    int got = 0;
    cr_assert_eq(chord_tokenize_n(tok, text, n, add_bos && chord_tokenizer_add_bos(tok), 1, ids, max, &got), CHORD_OK,
                 "%s", chord_last_error());
    chord_tokenizer_free(tok);
    chord_gguf_close(g);
    return got;
}

static void ids_text(const int32_t *ids, int n, char *out, size_t size)
{
    size_t at = (size_t)snprintf(out, size, "[");
    for (int i = 0; i < n && at < size; i++)
        at += (size_t)snprintf(out + at, size - at, "%s%d", i ? ", " : "", ids[i]);
    snprintf(out + at, size - at, "]\n");
}

static const char *write_bytes(const char *tag, const char *bytes, size_t n)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/chord_test_cli_%d_%s", (int)getpid(), tag);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(bytes, 1, n, f), n);
    fclose(f);
    return path;
}

Test(cli, tokenize_as_llama_tokenize)
{
    /* add_bos on, so --no-bos has something to remove */
    const unsigned char yes = 1;
    const crafted_edit e = {
        .key = "tokenizer.ggml.add_bos_token", .type = CHORD_GGUF_BOOL, .value = &yes, .value_bytes = 1};
    char model[64];
    snprintf(model, sizeof model, "/tmp/chord_test_cli_%d_bos.gguf", (int)getpid());
    cr_assert_eq(crafted_write(&e, model), CHORD_OK, "%s", chord_last_error());
    const char *text = "the of and<|im_end|> to";
    int32_t ids[64], no_bos[64];
    const int n = lib_tokenize(model, text, strlen(text), 1, ids, 64);
    const int n_nb = lib_tokenize(model, text, strlen(text), 0, no_bos, 64);
    cr_assert_eq(n, n_nb + 1, "add_bos_token makes no difference");
    char want[1024];
    ids_text(ids, n, want, sizeof want);
    run_result r = run(ARGS("tokenize", "-m", model, "-p", text, "--ids"));
    cr_expect_eq(r.code, 0, "%s", r.err);
    cr_expect_str_eq(r.out, want);
    done(&r);
    ids_text(no_bos, n_nb, want, sizeof want);
    r = run(ARGS("tokenize", "-m", model, "-p", text, "--ids", "--no-bos"));
    cr_expect_str_eq(r.out, want);
    done(&r);
    /* one '%6d -> 'piece'' line per token; the special token as its piece */
    r = run(ARGS("tokenize", "-m", model, "-p", text, "--no-bos", "--show-count"));
    cr_expect_eq(r.code, 0);
    cr_expect_eq(count(r.out, " -> '"), n_nb, "'%s'", r.out);
    cr_expect(strstr(r.out, " -> '<|im_end|>'\n"), "'%s'", r.out);
    char line[64];
    snprintf(line, sizeof line, "%6d -> '", no_bos[0]);
    cr_expect(strncmp(r.out, line, strlen(line)) == 0, "'%s' does not start with '%s'", r.out, line);
    snprintf(line, sizeof line, "Total number of tokens: %d\n", n_nb);
    cr_expect(strstr(r.out, line), "'%s'", r.out);
    done(&r);
    /* -f: the file's bytes, a NUL and a final newline included */
    static const char bytes[] = "the\0of and\n";
    const char *file = write_bytes("prompt", bytes, sizeof bytes - 1);
    const int nf = lib_tokenize(model, bytes, sizeof bytes - 1, 1, ids, 64);
    ids_text(ids, nf, want, sizeof want);
    r = run(ARGS("tokenize", "-m", model, "-f", file, "--ids"));
    cr_expect_str_eq(r.out, want);
    done(&r);
    remove(file);
    remove(model);
}

static uint32_t u32_at(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

Test(cli, logits_out_matches_the_library, .timeout = 120)
{
    const char *tiny = crafted_tiny_path();
    static const char prompt[] = "the of and to in\n"; /* from a file, the newline kept */
    const char *file = write_bytes("logits_prompt", prompt, sizeof prompt - 1);
    char out[64];
    snprintf(out, sizeof out, "/tmp/chord_test_cli_%d.logits", (int)getpid());
    run_result r = run(ARGS("run", "-m", tiny, "-f", file, "-n", "4", "-b", "ref", "--logits-out", out, "--json"));
    cr_assert_eq(r.code, 0, "%s", r.err);
    const char *nd = strstr(r.out, "\"n_decode\": "); /* 3, unless the model ends early */
    cr_assert_not_null(nd, "'%s'", r.out);
    const int n_decode = atoi(nd + strlen("\"n_decode\": "));
    done(&r);
    size_t len;
    char *b = slurp(out, &len);
    cr_assert_geq(len, CHORD_LOGITS_HEADER_BYTES);
    cr_expect(memcmp(b, CHORD_LOGITS_MAGIC, 8) == 0);
    cr_expect_eq(u32_at(b + 8), 1);
    const uint32_t n_vocab = u32_at(b + 12), n_pos = u32_at(b + 16);
    cr_expect_eq(n_vocab, 512);
    int32_t ids[64];
    const int n_prompt = lib_tokenize(tiny, prompt, sizeof prompt - 1, 1, ids, 64);
    cr_expect_eq(n_pos, (uint32_t)(n_prompt + n_decode), "positions: prompt %d + %d fed back, got %u", n_prompt,
                 n_decode, n_pos);
    cr_assert_eq(len, CHORD_LOGITS_HEADER_BYTES + 4 * (size_t)n_pos + 4 * (size_t)n_pos * n_vocab);
    const int32_t *file_ids = (const int32_t *)(b + CHORD_LOGITS_HEADER_BYTES);
    const float *rows = (const float *)(b + CHORD_LOGITS_HEADER_BYTES + 4 * (size_t)n_pos);
    for (int i = 0; i < n_prompt; i++)
        cr_expect_eq(file_ids[i], ids[i], "token %d", i);
    /* the same tokens through the library on ref: the same bits, and each generated token the greedy argmax */
    chord_gguf *g;
    cr_assert_eq(chord_gguf_open(tiny, &g), CHORD_OK);
    chord_rt rt;
    cr_assert_eq(chord_open("ref", &rt, NULL), CHORD_OK);
    chord_llama *m;
    cr_assert_eq(chord_llama_load(&rt, g, NULL, &m), CHORD_OK, "%s", chord_last_error());
    float *want = malloc((size_t)n_pos * n_vocab * sizeof *want);
    cr_assert_eq(chord_llama_eval_all(m, file_ids, (int)n_pos, 0, want), CHORD_OK, "%s", chord_last_error());
    cr_expect(memcmp(want, rows, (size_t)n_pos * n_vocab * sizeof *want) == 0, "rows differ from the library's");
    for (uint32_t i = n_prompt - 1; i + 1 < n_pos; i++)
        cr_expect_eq(chord_logits_argmax(rows + (size_t)i * n_vocab, (int)n_vocab), file_ids[i + 1], "position %u", i);
    free(want);
    chord_llama_free(m);
    chord_close(&rt);
    chord_gguf_close(g);
    free(b);
    remove(out);
    remove(file);
}

Test(cli, sigint_stops_generation_cleanly, .timeout = 120)
{
    const char *tiny = crafted_tiny_path();
    int out[2];
    cr_assert_eq(pipe(out), 0);
    char err_path[64];
    snprintf(err_path, sizeof err_path, "/tmp/chord_test_cli_%d.sigint", (int)getpid());
    const char *argv[] = {chord_path(), "run",     "-m",     tiny, "-p",  "the", "-n",
                          "1000000",    "--n-ctx", "100000", "-b", "ref", NULL};
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(out[1], 1);
        dup2(e, 2);
        close(out[0]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    char text[1 << 16];
    size_t n = 0;
    ssize_t got;
    while (n < 64 && (got = read(out[0], text + n, sizeof text - 1 - n)) > 0) /* generation is under way */
        n += (size_t)got;
    cr_assert_geq(n, 64, "no text before ^C");
    kill(pid, SIGINT);
    while ((got = read(out[0], text + n, sizeof text - 1 - n)) > 0)
        n += (size_t)got;
    text[n] = 0;
    close(out[0]);
    int status;
    waitpid(pid, &status, 0);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 130, "status %d", status);
    cr_expect_eq(text[n - 1], '\n', "the text does not end with its newline");
    char *err = slurp(err_path, NULL);
    cr_expect(strstr(err, "chord run: interrupted after "), "'%s'", err);
    cr_expect(strstr(err, "chord run: ref: prefill ") && strstr(err, " tok/s), decode "), "no rates: '%s'", err);
    free(err);
    remove(err_path);
}

/* chord gguf info on keys that a C string would confuse: "arr.a" and "arr.a\0zz" (a NUL inside), and one of 600
 * bytes; each array printed must be its own. */
Test(cli, gguf_info_keys_by_their_bytes)
{
    chord_gguf_writer *w;
    cr_assert_eq(chord_gguf_writer_create(&w), CHORD_OK);
    const uint32_t a[3] = {1, 2, 3}, b[2] = {7, 8}, c[2] = {5, 6};
    char long_key[601];
    memset(long_key, 'k', 600);
    long_key[600] = 0;
    cr_assert_eq(chord_gguf_set_array(w, "arr.a", CHORD_GGUF_UINT32, a, 3), CHORD_OK);
    cr_assert_eq(chord_gguf_set_array(w, "arr.a#zz", CHORD_GGUF_UINT32, b, 2), CHORD_OK);
    cr_assert_eq(chord_gguf_set_array(w, long_key, CHORD_GGUF_UINT32, c, 2), CHORD_OK);
    void *mem;
    size_t size;
    cr_assert_eq(chord_gguf_write_memory(w, &mem, &size), CHORD_OK);
    chord_gguf_writer_free(w);
    char *hash = memmem(mem, size, "arr.a#zz", 8);
    cr_assert_not_null(hash);
    hash[5] = 0; /* the key's bytes now hold a NUL */
    const char *path = write_bytes("keys.gguf", mem, size);
    free(mem);
    run_result r = run(ARGS("gguf", "info", path));
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_expect(strstr(r.out, "  arr.a   "), "'%s'", r.out);
    const char *nul_line = strstr(r.out, "arr.a\\u0000zz");
    cr_assert_not_null(nul_line, "the NUL key is not shown escaped: '%s'", r.out);
    cr_expect(strncmp(strchr(nul_line, '='), "= [7, 8]\n", 9) == 0, "'%.80s'", nul_line);
    cr_expect(strstr(r.out, "= [1, 2, 3]\n"), "'%s'", r.out);
    const char *long_line = strstr(r.out, long_key);
    cr_assert_not_null(long_line, "the 600-byte key is cut");
    cr_expect(strncmp(strchr(long_line, '='), "= [5, 6]\n", 9) == 0, "'%.80s'", strchr(long_line, '='));
    done(&r);
    r = run(ARGS("gguf", "info", path, "--json"));
    cr_expect(strstr(r.out, "\"arr.a\\u0000zz\":{\"type\":\"arr\",\"elem\":\"u32\",\"n\":2,\"head\":[7, 8]}"), "'%s'",
              r.out);
    done(&r);
    remove(path);
}
