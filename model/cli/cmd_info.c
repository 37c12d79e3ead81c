/* chord info: what was compiled in, what is present, and which backend has which op. */
#include <stdio.h>
#include <string.h>

#include "chord.h"
#include "commands.h"

static int usage(FILE *f, int code)
{
    fprintf(f, "usage: chord info [-t N]\n\n"
               "Prints the backends compiled in, the devices each finds (or, in one line, why none: 'absent'\n"
               "for no driver or no device, 'failed' for anything else), the order auto mode tries them in,\n"
               "and the op x backend matrix of kernels compiled in.\n\n" CLI_THREADS_HELP);
    return code;
}

int cmd_info(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return usage(stdout, 0);
        if ((strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "--threads") == 0) && i + 1 < argc) {
            if (cli_set_threads("info", argv[++i]))
                return 2;
            continue;
        }
        fprintf(stderr, "chord info: unknown or incomplete option '%s'\n", argv[i]);
        return usage(stderr, 2);
    }
    int nb = chord_backend_count();
    printf("backends compiled in (preference order):");
    for (int b = 0; b < nb; b++)
        printf(" %s", chord_backend_at(b)->name);
    printf("\n\ndevices:\n");
    for (int b = 0; b < nb; b++) {
        const chord_backend *be = chord_backend_at(b);
        chord_device_info devs[CHORD_MAX_DEVICES];
        memset(devs, 0, sizeof devs);
        int n = 0;
        const chord_status s = be->probe(devs, CHORD_MAX_DEVICES, &n);
        if (s != CHORD_OK) {
            printf("  %-7s %s: %s\n", be->name, s == CHORD_ERR_UNAVAILABLE ? "absent" : "failed", chord_last_error());
            continue;
        }
        if (n == 0)
            printf("  %-7s none found\n", be->name);
        for (int d = 0; d < n && d < CHORD_MAX_DEVICES; d++)
            printf("  %s:%d  %s (%s)%s\n", be->name, d, devs[d].name, devs[d].detail,
                   devs[d].software ? " [software]" : "");
    }
    const chord_backend *order[16];
    const int na = chord_auto_order(order, 16);
    printf("\nauto tries:");
    for (int i = 0; i < na; i++)
        printf(" %s", order[i]->name);
    printf("  (real devices first, then software ones)\n");
    printf("\nop x backend (kernels compiled in):\n  %-13s", "op");
    for (int b = 0; b < nb; b++)
        printf(" %-7s", chord_backend_at(b)->name);
    printf("\n");
    for (int op = 0; op < CHORD_OP_COUNT; op++) {
        printf("  %-13s", chord_op_name(op));
        for (int b = 0; b < nb; b++)
            printf(" %-7s", chord_backend_at(b)->ops[op] ? "yes" : "-");
        printf("\n");
    }
    return 0;
}
