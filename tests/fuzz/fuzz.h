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
#include "gguf.h"

/* Written to fd 2 itself: the targets send the stdio streams to /dev/null (fuzz_quiet_stdio). */
#define FUZZ_CHECK(cond, ...)                                                           \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            dprintf(2, "fuzz: %s:%d: broken promise: %s: ", __FILE__, __LINE__, #cond); \
            dprintf(2, __VA_ARGS__);                                                    \
            dprintf(2, " (last error: %s)\n", chord_last_error());                      \
            abort();                                                                    \
        }                                                                               \
    } while (0)

/* A failing call must say why: a status other than OK comes with a message. */
#define FUZZ_FAILED_CLEARLY(s) FUZZ_CHECK(chord_last_error()[0] != 0, "%s without a message", chord_status_name(s))

/* A call that refused the input: the input's fault (a format it cannot read, or one it does not support), said
 * with a message, and the out-pointer `out` left NULL. */
#define FUZZ_REFUSED_CLEARLY(s, what, out)                                                                         \
    do {                                                                                                           \
        FUZZ_CHECK((s) == CHORD_ERR_FORMAT || (s) == CHORD_ERR_UNSUPPORTED, "%s: %s", what, chord_status_name(s)); \
        FUZZ_CHECK((out) == NULL, "a failed %s left *out set", what);                                              \
        FUZZ_FAILED_CLEARLY(s);                                                                                    \
    } while (0)

/* malloc'ed copy of data[0..n) (n may be 0: a 1-byte allocation, never read); NULL only when out of memory. */
static inline uint8_t *fuzz_copy(const uint8_t *data, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    if (p && n)
        memcpy(p, data, n);
    return p;
}

/* What a target that reads its input as a GGUF does with it: g is open on data[0..size), the exact-size copy of
 * the input (fuzz_copy), which outlives g. */
typedef void fuzz_gguf_fn(const chord_gguf *g, const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput of such a target: an input the reader refuses is done with (fuzz_gguf checks how it is
 * refused), the rest goes to fn. */
static inline int fuzz_gguf_input(const uint8_t *data, size_t size, fuzz_gguf_fn *fn)
{
    uint8_t *copy = fuzz_copy(data, size);
    chord_gguf *g = NULL;
    if (copy && chord_gguf_open_memory(copy, size, &g) == CHORD_OK)
        fn(g, copy, size);
    chord_gguf_close(g);
    free(copy);
    return 0;
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
