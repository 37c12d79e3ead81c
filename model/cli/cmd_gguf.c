/* Placeholder until the model work lands: says so and fails, never pretends. */
#include <stdio.h>

#include "commands.h"

int cmd_gguf(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "chord gguf: not built yet in this revision\n");
    return 2;
}
