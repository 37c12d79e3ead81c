/* chord: verify kernels against the reference, inspect backends, run models. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const chord_command commands[] = {
    {"info", "backends compiled in, devices found, the op x backend matrix", cmd_info},
    {"check", "run the shared case table on a backend against the reference", cmd_check},
    {"run", "generate text with a GGUF model", cmd_run},
    {"tokenize", "a prompt's token ids and pieces, as llama-tokenize prints them", cmd_tokenize},
    {"gguf", "inspect GGUF files or write synthetic models", cmd_gguf},
    {"bench-model", "llama-bench's pp/tg/depth tests on a backend (JSON or Markdown)", cmd_bench_model},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: chord COMMAND [options]   (chord COMMAND --help for its options)\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].main(argc - 1, argv + 1);
    fprintf(stderr, "chord: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
