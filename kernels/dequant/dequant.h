/* dequant: GGUF blocks to f32, bit-exact with the format's definition.
 *   tensors: 0 SRC (n values of type, n / block_size blocks) bytes
 *            1 DST (n) f32
 * The embedding lookup is this op on one row: SRC's offset at row * row_bytes. */
#ifndef CHORD_DEQUANT_H
#define CHORD_DEQUANT_H

#include <stdint.h>

#include "../common/types.h"

typedef struct chord_dequant_args {
    chord_type type;
    int64_t n;
} chord_dequant_args;

/* Returns 0, or -1 when the type is not supported or n is not a multiple of its block size. */
int chord_dequant_reference(const void *src, float *dst, const chord_dequant_args *a);
/* Whether the reference can dequantize this type. */
int chord_dequant_supported(chord_type type);

#endif
