#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* The message is sized to fit (a build log, a driver's string, a file's key can be any length). A new buffer is
 * formatted before the old one is freed, so chord_fail(s, "%s: %s", what, chord_last_error()) prefixes context. */
static _Thread_local char *last_error;
static _Thread_local char fallback[256]; /* when the heap is exhausted: the message, cut */

chord_status chord_fail(chord_status code, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    const int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (msg) {
        vsnprintf(msg, (size_t)n + 1, fmt, again);
        if (last_error != fallback)
            free(last_error);
        last_error = msg;
    } else {
        char cut[sizeof fallback];
        vsnprintf(cut, sizeof cut, fmt, again);
        snprintf(fallback, sizeof fallback, "%s", cut);
        if (last_error != fallback)
            free(last_error);
        last_error = fallback;
    }
    va_end(again);
    return code;
}

const char *chord_last_error(void) { return last_error ? last_error : ""; }

const char *chord_status_name(chord_status s)
{
    static const char *names[] = {"ok",          "invalid argument", "unsupported",
                                  "unavailable", "device error",     "out of memory",
                                  "i/o error",   "bad format",       "mismatch"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown status";
}
