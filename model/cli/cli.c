/* What the chord subcommands share: the options every command that runs a backend takes (-t, -v), the default
 * model's path, prompts from files, number parsing and the SIGINT flag. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

int cli_verbose;

int cli_parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    const long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

int cli_parse_float(const char *s, float lo, float *out)
{
    char *end;
    errno = 0;
    const double v = strtod(s, &end);
    /* finite as a float too: "inf", "nan" and 1e39 are refused, not carried into the sampler */
    if (errno || *end || end == s || !(v >= lo) || !isfinite((float)v))
        return -1;
    *out = (float)v;
    return 0;
}

/* The thread count reaches each CPU backend through the variable it reads before it starts: the cpu backend's and
 * the reference's own, PoCL's (POCL_MAX_PTHREAD_COUNT in 3.1, where it also sets the compute units;
 * POCL_CPU_MAX_CU_COUNT in later versions) and llvmpipe's (lavapipe). Set before the first probe, since PoCL reads
 * them at platform init. */
int cli_set_threads(const char *cmd, const char *value)
{
    int n = 0;
    if (cli_parse_int(value, 1, CLI_MAX_THREADS, &n)) {
        fprintf(stderr, "chord %s: bad value '%s' for -t/--threads (want 1..%d)\n", cmd, value, CLI_MAX_THREADS);
        return -1;
    }
    char s[16];
    snprintf(s, sizeof s, "%d", n);
    static const char *const vars[] = {"CHORD_CPU_THREADS", "CHORD_REF_THREADS", "POCL_MAX_PTHREAD_COUNT",
                                       "POCL_CPU_MAX_CU_COUNT", "LP_NUM_THREADS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        setenv(vars[i], s, 1);
    return 0;
}

static const char *skip_cmd = "chord";

void cli_skip_log_for(const char *cmd) { skip_cmd = cmd; }

void cli_skip_log(chord_skip why, const char *backend, const char *reason)
{
    if (why == CHORD_SKIP_ABSENT && !cli_verbose)
        return;                                 /* no GPU, no driver: ordinary, shown under -v and by chord info */
    const int len = (int)strcspn(reason, "\n"); /* one line: a build log's first; -b NAME shows all of it */
    fprintf(stderr, "%s: backend %s %s: %.*s%s%s\n", skip_cmd, backend, why == CHORD_SKIP_ABSENT ? "absent" : "skipped",
            len, reason, reason[len] ? " ..." : "", why == CHORD_SKIP_ABSENT ? "" : "; trying the next");
}

char *cli_default_model_path(void)
{
    const char *dir = getenv("CHORD_MODEL_DIR");
    const char *home = getenv("HOME");
    const char *base = dir && *dir ? dir : home && *home ? home : ".";
    const char *mid = dir && *dir ? "/" : "/.cache/chord/";
    char *p = malloc(strlen(base) + strlen(mid) + sizeof CLI_DEFAULT_MODEL);
    if (p)
        sprintf(p, "%s%s%s", base, mid, CLI_DEFAULT_MODEL);
    return p;
}

int cli_read_file(const char *cmd, const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "chord %s: cannot open '%s': %s\n", cmd, path, strerror(errno));
        return -1;
    }
    size_t n = 0, cap = 4096;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *grown = realloc(buf, 2 * cap + 1);
        if (!grown)
            free(buf);
        buf = grown;
        cap *= 2;
    }
    const int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        fprintf(stderr, "chord %s: cannot read '%s': %s\n", cmd, path, buf ? "read error" : "out of memory");
        free(buf);
        return -1;
    }
    buf[n] = 0; /* for callers that need a C string; len counts every byte, NULs included */
    *out = buf;
    *len = n;
    return 0;
}

volatile sig_atomic_t cli_interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    cli_interrupted = 1;
}

void cli_catch_sigint(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESETHAND; /* a second ^C ends the process at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}
