/* Tokenizer built from GGUF metadata: `gpt2` byte-level BPE (merges ranked by order, a hand-written
 * pre-tokenizer split per tokenizer.ggml.pre) and `llama` SentencePiece-style BPE (scores, U+2581 for spaces,
 * <0xXX> byte fallback). Special tokens (control / user-defined) are matched in the text when asked. */
#ifndef CHORD_TOKENIZER_H
#define CHORD_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"

typedef struct chord_tokenizer chord_tokenizer;

chord_status chord_tokenizer_load(const chord_gguf *g, chord_tokenizer **out); /* tokenizer.ggml.model gpt2|llama */
void chord_tokenizer_free(chord_tokenizer *t);
int chord_tokenizer_n_vocab(const chord_tokenizer *t);
int32_t chord_tokenizer_bos(const chord_tokenizer *t); /* -1 if none */
int32_t chord_tokenizer_eos(const chord_tokenizer *t);
int chord_tokenizer_is_eog(const chord_tokenizer *t, int32_t id); /* eos, eot, <|im_end|>, <|eot_id|>, ... */
int chord_tokenizer_add_bos(const chord_tokenizer *t);            /* tokenizer.ggml.add_bos_token, default per model */
/* Token id of an exact piece (as stored in the vocab); -1 if absent. */
int32_t chord_tokenizer_find(const chord_tokenizer *t, const char *piece);
/* The vocab piece as stored (GPT-2 byte-level encoded or with U+2581); NUL-terminated, NULL if id out of range. */
const char *chord_tokenizer_piece(const chord_tokenizer *t, int32_t id);

/* Encodes UTF-8 text; special tokens written in the text (e.g. "<|im_start|>") become their ids when parse_special.
 * Bytes are kept exactly (malformed UTF-8 included) except, in gpt2 vocabularies, a byte that has no token at all
 * (never part of valid UTF-8), which is dropped as llama.cpp does. SPM falls back to <0xXX>, else unk. */
/* CHORD_ERR_INVALID if more than max_ids; *n_out is then the count needed, so the caller can grow and retry. */
chord_status chord_tokenize(const chord_tokenizer *t, const char *text, int add_bos, int parse_special, int32_t *ids,
                            int max_ids, int *n_out);
/* The same for n bytes of text, NULs included (a prompt read from a file, byte for byte). */
chord_status chord_tokenize_n(const chord_tokenizer *t, const char *text, size_t n, int add_bos, int parse_special,
                              int32_t *ids, int max_ids, int *n_out);
/* The raw bytes a token stands for (byte-level BPE and <0xXX> pieces decoded; control and user-defined tokens
 * give their piece, e.g. "<|im_end|>"), written to buf; returns length (the full length even when it exceeded
 * size, in which case buf holds a truncated prefix); 0 for an id out of range. */
int chord_token_bytes(const chord_tokenizer *t, int32_t id, char *buf, int size);
/* 1 for control tokens (bos, eos, <|im_start|>, ...). */
int chord_tokenizer_is_special(const chord_tokenizer *t, int32_t id);
/* The text of a token sequence: chord_token_bytes concatenated, control tokens left out when skip_special,
 * and SPM's prefix space (added by chord_tokenize) removed from the start. Returns the full length like
 * chord_token_bytes (-1 when out of memory). */
int chord_detokenize(const chord_tokenizer *t, const int32_t *ids, int n, int skip_special, char *buf, int size);

/* UTF-8 safe streaming: feeds token bytes, emits only complete UTF-8 sequences (pending ones held back; malformed
 * bytes pass through unchanged). Start from a zeroed struct. out needs n + 4 bytes (push) or 4 (flush); with less,
 * nothing is consumed and (size_t)-1 is returned. Returns the number of bytes written to out. */
typedef struct {
    char pending[8];
    int n_pending;
} chord_utf8_stream;
size_t chord_utf8_stream_push(chord_utf8_stream *s, const char *bytes, size_t n, char *out, size_t out_size);
size_t chord_utf8_stream_flush(chord_utf8_stream *s, char *out, size_t out_size);

#endif
