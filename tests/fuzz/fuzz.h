/* What the libFuzzer targets share: a broken promise of the library is a finding (the process aborts with the
 * promise and the values, libFuzzer saves the input), and inputs are copied to exact-size allocations so that a
 * read one byte past the end is an ASan report, not a silent read of libFuzzer's buffer slack. */
#ifndef CHORD_FUZZ_H
#define CHORD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"

/* Written to fd 2 itself: the targets send the stdio streams to /dev/null (fuzz_quiet_stdio). */
#define FUZZ_CHECK(cond, ...)                                                                    \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            dprintf(2, "fuzz: %s:%d: broken promise: %s: ", __FILE__, __LINE__, #cond);          \
            dprintf(2, __VA_ARGS__);                                                             \
            dprintf(2, " (last error: %s)\n", chord_last_error());                               \
            abort();                                                                             \
        }                                                                                        \
    } while (0)

/* A failing call must say why: a status other than OK comes with a message. */
#define FUZZ_FAILED_CLEARLY(s) FUZZ_CHECK(chord_last_error()[0] != 0, "%s without a message", chord_status_name(s))

/* malloc'ed copy of data[0..n) (n may be 0: a 1-byte allocation, never read); NULL only when out of memory. */
static inline uint8_t *fuzz_copy(const uint8_t *data, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    if (p && n)
        memcpy(p, data, n);
    return p;
}

/* Sends the C library's stdout and stderr to /dev/null (glibc's streams are assignable variables). libFuzzer
 * keeps the stderr it captured at start for its own lines, and sanitizer reports go to fd 2 directly. */
static inline void fuzz_quiet_stdio(void)
{
    FILE *null = fopen("/dev/null", "w");
    if (null) {
        stdout = null;
        stderr = null;
    }
}

/* Reads the first, middle and last of the n bytes at p, so that ASan checks a range said to be in memory; returns
 * a value the caller keeps so the reads are not optimized away. */
static inline unsigned fuzz_touch(const void *p, size_t n)
{
    const volatile uint8_t *b = p;
    unsigned x = 0;
    if (n)
        x = b[0] ^ b[n / 2] ^ b[n - 1];
    return x;
}

#endif
