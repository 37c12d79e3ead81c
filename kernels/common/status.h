/* Status codes with a message: the library reports, the caller decides; nothing here exits. */
#ifndef CHORD_STATUS_H
#define CHORD_STATUS_H

typedef enum chord_status {
    CHORD_OK = 0,
    CHORD_ERR_INVALID,     /* bad argument or shape */
    CHORD_ERR_UNSUPPORTED, /* the backend lacks this op, type or variant */
    CHORD_ERR_UNAVAILABLE, /* backend or device not present */
    CHORD_ERR_DEVICE,      /* a GPU API call failed */
    CHORD_ERR_NOMEM,
    CHORD_ERR_IO,
    CHORD_ERR_FORMAT,  /* malformed file */
    CHORD_ERR_MISMATCH /* a result disagrees with the reference */
} chord_status;

/* Records the message for the calling thread and returns code, so `return chord_fail(...)` reads well. */
chord_status chord_fail(chord_status code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The message of the last failure on this thread ("" if none), any length; valid until the next chord_fail on
 * this thread, which may take it as an argument to prefix context. */
const char *chord_last_error(void);
const char *chord_status_name(chord_status s);

#define CHORD_TRY(expr)                     \
    do {                                    \
        chord_status chord_try_s_ = (expr); \
        if (chord_try_s_ != CHORD_OK)       \
            return chord_try_s_;            \
    } while (0)

#endif
