/* libFuzzer target: the CLI's argument parsing. The input is an argv, NUL-separated; its first string picks the
 * command:
 *   "gguf", "info": the command's entry point (cmd_gguf, cmd_info) with that argv, output to /dev/null;
 *   anything else: `chord run`'s parser, parse_args, whose result is then checked (a prompt, counts and sampling
 *   values in their documented ranges, strings that are argv's own). parse_args is static in cmd_run.c and only
 *   parses, so this file includes cmd_run.c (and the build does not link it a second time); nothing of `run`
 *   beyond the parser is called.
 * Nothing may touch a file outside the empty directory ci/fuzz.sh runs this in: an argv with a '/' in it is
 * skipped, and so is one that names an output (-o, --output: `chord gguf synth` would write the model).
 * `chord check` is left out: with valid options it runs the whole case table, seconds per input. */
#include <math.h>

#include "fuzz.h"

#include "cmd_run.c"

#define MAX_ARGS 32

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_quiet_stdio();
    setenv("CHORD_MODEL_DIR", "chord-fuzz-no-such-dir", 1);
    return 0;
}

static int from_argv(const char *s, int argc, char **argv)
{
    if (!s)
        return 1;
    for (int i = 1; i < argc; i++)
        if (s == argv[i])
            return 1;
    return 0;
}

static void check_run(int argc, char **argv)
{
    run_opts o;
    const int rc = parse_args(argc, argv, &o);
    /* 1: a prompt file (-f) that cannot be read; the run directory is empty, so every -f lands here or in a
     * directory's error */
    FUZZ_CHECK(rc == -1 || rc == 0 || rc == 1 || rc == 2, "parse_args returned %d", rc);
    if (rc != -1) {
        free(o.prompt_file);
        return;
    }
    FUZZ_CHECK(o.prompt != NULL, "parsed without a prompt");
    FUZZ_CHECK((o.prompt == o.prompt_file || from_argv(o.prompt, argc, argv)) && from_argv(o.model, argc, argv) &&
                   from_argv(o.backend, argc, argv) && from_argv(o.system, argc, argv),
               "a string option does not point at its argument");
    FUZZ_CHECK(o.n_predict >= 0 && o.n_ctx >= 0 && o.n_batch >= 0 && o.sp.top_k >= 0, "n %d ctx %d batch %d k %d",
               o.n_predict, o.n_ctx, o.n_batch, o.sp.top_k);
    FUZZ_CHECK(o.sp.temp >= 0 && o.sp.top_p >= 0 && o.sp.top_p <= 1 && o.sp.repeat_penalty > 0,
               "temp %g top_p %g repeat %g", (double)o.sp.temp, (double)o.sp.top_p, (double)o.sp.repeat_penalty);
    free(o.prompt_file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || memchr(data, '/', size))
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    for (size_t at = 0; at <= size && argc < MAX_ARGS; at += strlen(buf + at) + 1)
        argv[argc++] = buf + at;
    argv[argc] = NULL;
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output"))
            goto done;
    if (!strcmp(argv[0], "gguf")) {
        const int rc = cmd_gguf(argc, argv);
        FUZZ_CHECK(rc == 0 || rc == 1 || rc == 2, "chord gguf returned %d", rc);
    } else if (!strcmp(argv[0], "info")) {
        const int rc = cmd_info(argc, argv);
        FUZZ_CHECK(rc == 0 || rc == 2, "chord info returned %d", rc);
    } else {
        check_run(argc, argv);
    }
done:
    free(buf);
    return 0;
}
