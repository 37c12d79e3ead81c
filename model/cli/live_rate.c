/* chord run's live decode rate (live_rate.h says when and how it is drawn). */
#include "live_rate.h"

#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

/* Whether fds a and b are one terminal (the same character device). */
static int same_tty(int a, int b)
{
    struct stat sa, sb;
    return isatty(a) && isatty(b) && fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_rdev == sb.st_rdev;
}

void live_rate_start(live_rate *r, int json, int verify, int n_predict)
{
    r->on = !json && !verify && n_predict > LIVE_RATE_MIN_TOKENS && isatty(STDERR_FILENO);
    r->trail = r->on && same_tty(STDOUT_FILENO, STDERR_FILENO);
    r->last_draw = 0;
}

void live_rate_step(live_rate *r, int n_decode, double decode_ms)
{
    if (!r->on || decode_ms <= 0)
        return;
    const double now = mono_ms();
    if (r->last_draw > 0 && now - r->last_draw < 200)
        return;
    r->last_draw = now;
    const double tps = n_decode / (decode_ms * 1e-3);
    fflush(stdout); /* the text first, so the rate lands after it */
    if (r->trail) /* save cursor, dim text, clear to the end of the line, restore cursor */
        fprintf(stderr, "\0337\033[2m  [%d tokens, %.1f tok/s]\033[0m\033[K\0338", n_decode, tps);
    else
        fprintf(stderr, "\rchord run: decode %d tokens, %.1f tok/s\033[K", n_decode, tps);
    fflush(stderr);
}

void live_rate_end(live_rate *r)
{
    if (!r->on || r->last_draw == 0)
        return;
    fflush(stdout);
    fputs(r->trail ? "\033[K" : "\r\033[K", stderr);
    fflush(stderr);
}
