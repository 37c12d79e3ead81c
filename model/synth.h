/* Synthetic Llama-architecture GGUF models: real shapes, metadata keys and tensor names as llama.cpp writes them,
 * random weights (valid quant blocks with finite scales sized so activations stay O(1); norms near 1) and a
 * small valid tokenizer padded to the real vocab size. For benchmarking shapes we cannot download, and for
 * tests that need a model file of a given shape and type. Data is generated and streamed to disk in chunks. */
#ifndef CHORD_SYNTH_H
#define CHORD_SYNTH_H

#include <stdint.h>

#include "common/types.h"
#include "common/status.h"

/* Which tokenizer (and special tokens, chat template) the file gets. */
typedef enum {
    CHORD_SYNTH_VOCAB_CHATML, /* gpt2 byte-level BPE, <|im_start|>/<|im_end|> first (SmolLM2) */
    CHORD_SYNTH_VOCAB_LLAMA3, /* gpt2 byte-level BPE, <|begin_of_text|>... at 128000 (Llama 3) */
    CHORD_SYNTH_VOCAB_LLAMA2  /* llama SentencePiece BPE with <0xXX> byte fallback (Llama 2) */
} chord_synth_vocab;

typedef struct chord_synth_shape {
    const char *name;
    int n_embd, n_layer, n_head, n_head_kv, n_ff, n_vocab, n_ctx;
    float rope_theta, norm_eps;
    int tied_output; /* 1: no output.weight, the head reuses token_embd.weight */
    chord_synth_vocab vocab;
} chord_synth_shape;

/* The built-in shapes: llama2-7b, llama-1b, smollm2-135m, tiny (a few layers for tests). */
const chord_synth_shape *chord_synth_shapes(int *n);
const chord_synth_shape *chord_synth_find_shape(const char *name); /* NULL if unknown */

typedef struct chord_synth_params {
    chord_type type; /* token_embd, output and every matmul weight: q4_0, q4_1, q8_0, f16 or f32 */
    uint64_t seed;
    int progress; /* 1: a progress line on stderr */
} chord_synth_params;

/* Checks the shape (divisibility, block sizes, vocab room for the tokenizer) and the type, then writes path.
 * The same shape, type and seed give the same bytes. */
chord_status chord_synth_write(const chord_synth_shape *shape, const chord_synth_params *p, const char *path);

#endif
