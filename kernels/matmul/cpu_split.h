/* What the cpu mat-vecs on the split layouts (cpu_split_avx2.c, cpu_split_avx512.c) share and that does not
 * depend on the vector width: the super-block's size and the row prefetches. */
#ifndef CHORD_CPU_SPLIT_H
#define CHORD_CPU_SPLIT_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu_rows.h"

#define SPLIT_MV_ROWS 4         /* W rows per step: they share each load of xp */
#define SPLIT_PREFETCH_ROW 2048 /* bytes ahead in each row's stream, as cpu_rows_simd.h's GGUF mat-vec */

/* Bytes of one super-block of t, a constant where t is (the hot loops take t as a constant). */
static inline __attribute__((always_inline)) size_t split_super_bytes(chord_type t)
{
    return t == CHORD_TYPE_Q4_0_SPLIT   ? sizeof(chord_block_q4_0_split)
           : t == CHORD_TYPE_Q4_1_SPLIT ? sizeof(chord_block_q4_1_split)
                                        : sizeof(chord_block_q8_0_split);
}

/* Every line of the super-block `ahead` bytes past byte off of each row of a group (R rows row_bytes apart),
 * carried into the same row of the next group once the row ends. */
static inline __attribute__((always_inline)) void split_prefetch_rows(const uint8_t *w, size_t row_bytes, size_t off,
                                                                      size_t sb, const int R)
{
    for (size_t l = 0; l < sb; l += 64) { /* 3 lines (q4) or 5 (q8) */
        size_t o = off + SPLIT_PREFETCH_ROW + l, g = 0;
        if (o >= row_bytes)
            g = o / row_bytes, o -= g * row_bytes;
        for (int r = 0; r < R; r++)
            _mm_prefetch((const char *)w + (g * R + r) * row_bytes + o, _MM_HINT_T0);
    }
}

/* The first group's first bytes (rows rows of w), before the loop's own prefetches reach ahead of them. */
static inline void split_prefetch_first(const uint8_t *w, size_t row_bytes, int rows)
{
    for (int r = 0; r < SPLIT_MV_ROWS && r < rows; r++)
        for (size_t o = 0; o < SPLIT_PREFETCH_ROW && o < row_bytes; o += 64)
            _mm_prefetch((const char *)w + (size_t)r * row_bytes + o, _MM_HINT_T0);
}

#endif
