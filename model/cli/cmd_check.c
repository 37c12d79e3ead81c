/* chord check: the shared case table on one backend against the scalar reference. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "commands.h"

static int usage(FILE *f, int code)
{
    fprintf(f, "usage: chord check [-b BACKEND[:DEVICE]] [-o OP] [--seed N] [--large] [--json] [-t N] [-v]\n\n"
               "Runs every case of the shared case table for the backend (default: the best available)\n"
               "against the scalar C reference and prints op, case, NMSE, max error and the verdict.\n"
               "Exit status 1 when any case fails.\n\n"
               "  -b, --backend B   cpu, ref, opencl, vulkan, cuda (as compiled in), optionally :DEVICE\n"
               "  -o, --op OP       only this op (matmul, matmul_tiled, rmsnorm, softmax, rope, dequant, ...)\n"
               "  --seed N          seed for the random inputs (default: from the clock, printed)\n"
               "  --large           also the >= 64 MiB cases (the 4096^3 matmul stays benchmark-only)\n"
               "  --json            one JSON object per case on stdout instead of the table\n"
               "  -t, --threads N   threads of the CPU backends (ref, PoCL, lavapipe), 1..1024; default: their own\n"
               "  -v, --verbose     also say which backends auto mode found absent (no driver, no device)\n");
    return code;
}

int cmd_check(int argc, char **argv)
{
    const char *spec = NULL;
    int only_op = -1, large = 0, json = 0;
    uint64_t seed = (uint64_t)time(NULL);
    const char *env_seed = getenv("CHORD_SEED");
    if (env_seed)
        seed = strtoull(env_seed, NULL, 0);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            return usage(stdout, 0);
        } else if ((!strcmp(a, "-b") || !strcmp(a, "--backend")) && has_val) {
            spec = argv[++i];
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--op")) && has_val) {
            only_op = chord_op_from_name(argv[++i]);
            if (only_op < 0) {
                fprintf(stderr, "chord check: unknown op '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--seed") && has_val) {
            char *end;
            seed = strtoull(argv[++i], &end, 0);
            if (*end) {
                fprintf(stderr, "chord check: bad seed '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--large")) {
            large = 1;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            cli_verbose = 1;
        } else if ((!strcmp(a, "-t") || !strcmp(a, "--threads")) && has_val) {
            if (cli_set_threads("check", argv[++i]))
                return 2;
        } else {
            fprintf(stderr, "chord check: unknown or incomplete option '%s'\n", a);
            return usage(stderr, 2);
        }
    }

    chord_rt rt;
    cli_skip_log_for("chord check");
    if (chord_open(spec, &rt, cli_skip_log) != CHORD_OK) {
        fprintf(stderr, "chord check: %s\n", chord_last_error());
        return 1;
    }
    fprintf(stderr, "chord check: backend %s:%d (%s), seed %" PRIu64 "\n", rt.be->name, rt.device, rt.info.name, seed);
    if (!json)
        printf("%-14s %-34s %10s %10s %8s  %s\n", "op", "case", "nmse", "max_err", "bound", "result");
    int n_pass = 0, n_fail = 0, n_skip = 0;
    for (int i = 0; i < chord_case_count(); i++) {
        const chord_case *c = chord_case_at(i);
        if (only_op >= 0 && (int)c->op != only_op)
            continue;
        if ((c->size & CHORD_CASE_HUGE) || ((c->size & CHORD_CASE_LARGE) && !large))
            continue;
        chord_check_result r;
        chord_status s = chord_check_case(&rt, c, chord_case_seed(seed, i), &r);
        const char *verdict = s != CHORD_OK ? "ERROR" : r.skipped ? "SKIP" : r.passed ? "pass" : "FAIL";
        if (s != CHORD_OK || (!r.skipped && !r.passed))
            n_fail++;
        else if (r.skipped)
            n_skip++;
        else
            n_pass++;
        if (json) {
            printf("{\"backend\":\"%s\",\"device\":\"%s\",\"op\":\"%s\",\"case\":\"%s\",\"seed\":%" PRIu64
                   ",\"result\":\"%s\",\"nmse\":%.3e,\"max_err\":%.3e,\"bound_ratio\":%.3f,\"message\":\"%s\"}\n",
                   rt.be->name, rt.info.name, chord_op_name(c->op), c->name, chord_case_seed(seed, i), verdict, r.nmse,
                   r.max_abs_err, r.worst_ratio, r.message);
        } else {
            printf("%-14s %-34s %10.3e %10.3e %8.3f  %s%s%s\n", chord_op_name(c->op), c->name, r.nmse, r.max_abs_err,
                   r.worst_ratio, verdict, r.message[0] ? ": " : "", r.message);
        }
        fflush(stdout);
    }
    chord_close(&rt);
    fprintf(stderr, "chord check: %d passed, %d failed, %d skipped (seed %" PRIu64 ")\n", n_pass, n_fail, n_skip, seed);
    return n_fail ? 1 : 0;
}
