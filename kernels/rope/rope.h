/* rope: rotary position embedding of the first n_rot values of each head.
 *   tensors: 0 X (n_tok, n_head, head_dim) f32
 *            1 Y (n_tok, n_head, head_dim) f32, may alias X
 * Token t has position p = pos0 + t. Pair i (0 <= i < n_rot/2) turns by p * theta_base^(-2i/n_rot).
 * mode NORMAL pairs adjacent values (2i, 2i+1), as Llama; NEOX pairs (i, i + n_rot/2).
 * Values past n_rot are copied unchanged. n_rot is even and <= head_dim. */
#ifndef CHORD_ROPE_H
#define CHORD_ROPE_H

enum { CHORD_ROPE_NORMAL = 0, CHORD_ROPE_NEOX = 2 }; /* GGUF's rope type values */

typedef struct chord_rope_args {
    int n_tok, n_head, head_dim, n_rot;
    int mode;
    float theta_base;
    int pos0;
} chord_rope_args;

void chord_rope_reference(const float *x, float *y, const chord_rope_args *a);
/* The contract above: NULL when a meets it, else what is wrong (kernels/rope/op.c; matmul_qkv shares it). */
const char *chord_rope_check(const void *args);

#endif
