/* Internals shared by tokenizer.c (loading, special tokens, public API), tokenizer_bpe.c (pre-tokenizer split
 * and the merge engine) and tokenizer_unicode.c (character classes). Not a public header. */
#ifndef CHORD_TOKENIZER_INTERNAL_H
#define CHORD_TOKENIZER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tokenizer.h"

typedef enum { CHORD_TOK_GPT2, CHORD_TOK_SPM } chord_tok_kind;

/* Pre-tokenizer split for gpt2 vocabularies, from tokenizer.ggml.pre:
 *   GPT2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *   DIGITS: every \p{N} isolated first, then GPT2 on the pieces between (llama.cpp's "smollm", "starcoder",
 *           "refact", "command-r", ...: HF's Sequence[Digits(individual_digits), ByteLevel])
 *   LLAMA3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
 *           \s*[\r\n]+|\s+(?!\S)|\s+ */
typedef enum { CHORD_PRE_GPT2, CHORD_PRE_DIGITS, CHORD_PRE_LLAMA3 } chord_tok_pre;

/* token_type values of tokenizer.ggml.token_type */
enum {
    CHORD_TT_NORMAL = 1,
    CHORD_TT_UNKNOWN = 2,
    CHORD_TT_CONTROL = 3,
    CHORD_TT_USER = 4,
    CHORD_TT_UNUSED = 5,
    CHORD_TT_BYTE = 6
};

typedef struct {
    uint64_t key; /* (left id << 32 | right id) + 1; 0 = empty slot */
    int32_t rank; /* position in tokenizer.ggml.merges: lower merges first */
    int32_t id;   /* the merged token */
} chord_tok_merge;

#define CHORD_TOK_MAX_EOG 16

struct chord_tokenizer {
    chord_tok_kind kind;
    chord_tok_pre pre;
    int n_vocab;
    char *blob;          /* every piece, NUL-terminated, back to back */
    uint32_t *piece_off; /* (n_vocab) offset of each piece in blob */
    uint32_t *piece_len; /* (n_vocab) */
    float *scores;       /* (n_vocab) SPM merge priority; NULL for gpt2 */
    uint8_t *type;       /* (n_vocab) CHORD_TT_*; normal where the file has no token_type */
    int32_t *vocab_hash; /* (vocab_cap) open addressing, id + 1, 0 = empty */
    size_t vocab_cap;
    chord_tok_merge *merges; /* (merge_cap) open addressing; gpt2 only */
    size_t merge_cap;
    int32_t byte_id[256]; /* gpt2: token of the byte's mapped character; SPM: <0xXX>; -1 if absent */
    int32_t *special;     /* (n_special) ids matched in text, longest piece first */
    int n_special;
    uint8_t special_first[256]; /* 1 for a byte that starts some special piece: most positions skip the scan */
    int32_t bos, eos, eot, unk;
    int add_bos, add_space_prefix;
    int32_t eog[CHORD_TOK_MAX_EOG];
    int n_eog;
};

typedef struct {
    int32_t *ids;
    int n, cap;
} chord_tok_ids;

chord_status chord_tok_push(chord_tok_ids *v, int32_t id);
/* Room for item n of an array of elem-byte items at *p that holds *cap (grown to `first`, then doubled); `what`
 * names the items in the out-of-memory message. */
chord_status chord_tok_reserve(void **p, int *cap, int n, size_t elem, int first, const char *what);
int32_t chord_tok_find_n(const chord_tokenizer *t, const char *s, size_t n);

/* Encodes a run of raw text (no special tokens in it) and appends the ids. first_after_special: SPM's prefix
 * space goes before text that starts the input or follows a special token (llama.cpp's rule). */
chord_status chord_tok_encode_gpt2(const chord_tokenizer *t, const char *s, size_t n, chord_tok_ids *out);
chord_status chord_tok_encode_spm(const chord_tokenizer *t, const char *s, size_t n, int first_after_special,
                                  chord_tok_ids *out);

/* End of the pre-tokenizer word that starts at s[pos] (pos < n). *seg_end is the caller's state for the DIGITS
 * split (the end of the current digit-free stretch): start it at 0. */
size_t chord_tok_pre_next(chord_tok_pre pre, const char *s, size_t n, size_t pos, size_t *seg_end);

/* GPT-2's byte <-> printable code point map: bytes 33..126, 161..172, 174..255 are themselves, the other 68
 * bytes become U+0100.. in byte order, so every byte has a visible, non-space character. */
uint32_t chord_tok_byte_to_cp(uint8_t b);
int chord_tok_cp_to_byte(uint32_t cp); /* -1 if cp is not in the map */

/* UTF-8 decoding of one code point at s[0..n); invalid or truncated sequences decode as one byte and
 * CHORD_TOK_BAD_CP, which no character class contains. Returns the sequence length (>= 1). */
#define CHORD_TOK_BAD_CP 0xFFFFFFFFu
size_t chord_tok_utf8_decode(const char *s, size_t n, uint32_t *cp);
size_t chord_tok_utf8_encode(uint32_t cp, char *out); /* out holds 4 bytes */

int chord_tok_is_letter(uint32_t cp);
int chord_tok_is_number(uint32_t cp);
int chord_tok_is_space(uint32_t cp);

#endif
