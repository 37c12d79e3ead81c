/* The chord subcommands. Each parses its own flags, prints --help, and returns the exit code. */
#ifndef CHORD_COMMANDS_H
#define CHORD_COMMANDS_H

typedef struct chord_command {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv); /* argv[0] is the subcommand name */
} chord_command;

int cmd_info(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_gguf(int argc, char **argv);
int cmd_bench_model(int argc, char **argv);

#endif
