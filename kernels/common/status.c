#include "status.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_error[1024];

chord_status chord_fail(chord_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return code;
}

const char *chord_last_error(void)
{
    return last_error;
}

const char *chord_status_name(chord_status s)
{
    static const char *names[] = {"ok",     "invalid argument", "unsupported", "unavailable", "device error",
                                  "out of memory", "i/o error", "bad format", "mismatch"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown status";
}
