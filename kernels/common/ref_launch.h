/* What the ref backend (runtime/ref.c) and its launchers (kernels/<op>/ref.c) share: buffers are host memory. */
#ifndef CHORD_REF_LAUNCH_H
#define CHORD_REF_LAUNCH_H

#include "../ops.h"

struct chord_buf {
    size_t bytes;
    unsigned char *data;
};

/* The host address of a tensor: chord_launch has checked that its span lies inside its buffer. */
static inline void *chord_ref_ptr(chord_tensor t) { return t.buf->data + t.offset; }

/* Threads a launcher may split its work over (CHORD_REF_THREADS, else the cores online; runtime/ref.c). */
int chord_ref_threads(void);

CHORD_OPS(CHORD_DECLARE_REF)

#endif
