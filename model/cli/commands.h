/* The chord subcommands. Each parses its own flags, prints --help, and returns the exit code. */
#ifndef CHORD_COMMANDS_H
#define CHORD_COMMANDS_H

#include <signal.h>
#include <stddef.h>

#include "chord.h"

typedef struct chord_command {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv); /* argv[0] is the subcommand name */
} chord_command;

int cmd_info(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_gguf(int argc, char **argv);
int cmd_bench_model(int argc, char **argv);

/* ---- shared by the commands (model/cli/cli.c) ---- */

#define CLI_DEFAULT_MODEL "smollm2-135m-instruct-q4_1.gguf"
#define CLI_MAX_THREADS 1024
/* The --help lines of the options every command that runs a backend takes. */
#define CLI_THREADS_HELP \
    "  -t, --threads N       threads of the CPU backends (cpu, ref, PoCL, lavapipe), 1..1024; default: their own\n"
#define CLI_VERBOSE_HELP \
    "  -v, --verbose         also say which backends auto mode found absent (no driver, no device)\n"

extern int cli_verbose; /* -v */

/* strtol/strtod with the whole string consumed and the value in range; 0 or -1. Floats must be finite. */
int cli_parse_int(const char *s, long lo, long hi, int *out);
int cli_parse_float(const char *s, float lo, float *out);
/* -t N: validates N (1..CLI_MAX_THREADS; an error naming cmd otherwise, -1) and hands it to every CPU backend. */
int cli_set_threads(const char *cmd, const char *value);
/* chord_open's log for auto mode: a failed backend always gets a line, an absent one only under -v. */
void cli_skip_log(chord_skip why, const char *backend, const char *reason);
void cli_skip_log_for(const char *cmd); /* the prefix of those lines ("chord run") */
/* $CHORD_MODEL_DIR/CLI_DEFAULT_MODEL, else ~/.cache/chord/CLI_DEFAULT_MODEL, malloc'd (NULL when out of memory). */
char *cli_default_model_path(void);
/* A whole file, its bytes exactly (*len counts NULs too; a NUL is added after them); prints the error, -1. */
int cli_read_file(const char *cmd, const char *path, char **out, size_t *len);
/* SIGINT sets cli_interrupted (a second one ends the process): generation stops at the next step. */
extern volatile sig_atomic_t cli_interrupted;
void cli_catch_sigint(void);

#endif
