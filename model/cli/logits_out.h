/* chord run --logits-out FILE: the raw f32 logits of every evaluated position, so chord's numerics can be compared
 * with any other implementation on the same tokens. The file (little-endian, as written on x86-64):
 *
 *   offset 0              char magic[8] = "CHLOGITS"
 *   offset 8              uint32 version = 1
 *   offset 12             uint32 n_vocab
 *   offset 16             uint32 n_positions
 *   offset 20             uint32 reserved = 0
 *   offset 24             int32 token[n_positions]            the token evaluated at position i (prompt, then
 *                                                             each generated token that was fed back)
 *   offset 24 + 4 * n     float32 logits[n_positions][n_vocab] row i: the logits after token[i] at position i,
 *                                                             i.e. the distribution over the token at i + 1
 *
 * Rows go to a temporary file while the run goes on; the file itself is written when the run ends (interrupted
 * runs included), so a reader never sees a header that disagrees with the rows. */
#ifndef CHORD_CLI_LOGITS_OUT_H
#define CHORD_CLI_LOGITS_OUT_H

#include <stdint.h>
#include <stdio.h>

#define CHORD_LOGITS_MAGIC "CHLOGITS"
#define CHORD_LOGITS_HEADER_BYTES 24

typedef struct logits_out {
    const char *path;
    FILE *file, *rows; /* the destination (opened at once, so a bad path fails before the model runs); the rows */
    uint32_t n_vocab, n;
    int32_t *ids;      /* (n) the token of each row */
    uint32_t cap;
} logits_out;

/* 0, or -1 with the reason printed. */
int logits_out_open(logits_out *lo, const char *path, int n_vocab);
/* Appends n rows (n, n_vocab) for tokens ids[0..n). */
int logits_out_add(logits_out *lo, const int32_t *ids, const float *rows, int n);
/* Writes the file and frees everything (also after a failed add); 0 or -1. Safe on a zeroed struct. */
int logits_out_close(logits_out *lo);
/* Removes the file unwritten (the run failed) and frees everything. Safe on a zeroed or closed struct. */
void logits_out_discard(logits_out *lo);

#endif
