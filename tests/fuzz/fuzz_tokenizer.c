/* libFuzzer target: the tokenizer (model/tokenizer.h) and chat formatting (model/chat.h). The input is a GGUF image
 * whose tokenizer.* keys are the vocabulary, followed by text: everything after the end of the data section
 * (a vocabulary-only file has no tensors, so the text starts where the header's padding ends). The text is cut at
 * NUL bytes into segments; even segments are encoded with bos and special tokens, odd ones as plain text.
 * What is checked, besides the sanitizers: ids in the vocabulary, the grow-and-retry contract of chord_tokenize,
 * chord_token_bytes and chord_detokenize reporting the same full length at any buffer size, the UTF-8 stream
 * being byte-exact, and decode(encode(text)) == text where the vocabulary makes that exact: every byte has a
 * token, plain text, and no id of a special type in the output (those decode as their piece). That last rule
 * reads the tokenizer's internals (token types, byte tokens), so this file includes tokenizer_internal.h. */
#include <inttypes.h>

#include "chat.h"
#include "fuzz.h"
#include "tokenizer_internal.h"

#define MAX_SEGMENTS 8

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_quiet_stdio();
    return 0;
}

static int special_type(const chord_tokenizer *t, int32_t id)
{
    const int ty = t->type[id];
    return ty == CHORD_TT_CONTROL || ty == CHORD_TT_USER || ty == CHORD_TT_UNKNOWN;
}

/* The condition under which plain text must come back byte for byte (see the header comment). */
static int exact_roundtrip(const chord_tokenizer *t, const char *text, const int32_t *ids, int n)
{
    for (int b = 0; b < 256; b++)
        if (t->byte_id[b] < 0 || special_type(t, t->byte_id[b]))
            return 0;
    for (int i = 0; i < n; i++)
        if (special_type(t, ids[i]))
            return 0;
    if (t->kind == CHORD_TOK_SPM) {
        /* spaces come back only through a U+2581 token; a literal U+2581 or "<0x" in the text would decode as
         * a space or a byte, as llama.cpp's would */
        const int32_t ws = chord_tok_find_n(t, "\xE2\x96\x81", 3);
        if (ws < 0 || special_type(t, ws) || strstr(text, "\xE2\x96\x81") || strchr(text, '<'))
            return 0;
    }
    return 1;
}

static void check_bytes_and_stream(const chord_tokenizer *t, const int32_t *ids, int n)
{
    chord_utf8_stream us = {0};
    char one[512], out[600];
    size_t streamed = 0, direct = 0;
    unsigned h_stream = 0, h_direct = 0; /* FNV of each byte sequence: the stream must be byte-exact */
    for (int i = 0; i < n; i++) {
        char probe[1];
        const int full = chord_token_bytes(t, ids[i], probe, 0);
        FUZZ_CHECK(full >= 0, "token_bytes(%d) = %d", ids[i], full);
        const int m = chord_token_bytes(t, ids[i], one, (int)sizeof one);
        FUZZ_CHECK(m == full, "token_bytes(%d): %d with no room, %d with room", ids[i], full, m);
        if (m > (int)sizeof one)
            continue; /* the stream takes at most 256 bytes per push in chord run; skip the rare long piece */
        for (int k = 0; k < m; k++)
            h_direct = (h_direct ^ (uint8_t)one[k]) * 16777619u;
        direct += (size_t)m;
        const size_t k = chord_utf8_stream_push(&us, one, (size_t)m, out, sizeof out);
        FUZZ_CHECK(k != (size_t)-1 && k <= (size_t)m + 8, "stream push of %d bytes gave %zu", m, k);
        for (size_t j = 0; j < k; j++)
            h_stream = (h_stream ^ (uint8_t)out[j]) * 16777619u;
        streamed += k;
    }
    const size_t k = chord_utf8_stream_flush(&us, out, sizeof out);
    FUZZ_CHECK(k != (size_t)-1, "stream flush");
    for (size_t j = 0; j < k; j++)
        h_stream = (h_stream ^ (uint8_t)out[j]) * 16777619u;
    streamed += k;
    FUZZ_CHECK(streamed == direct && h_stream == h_direct, "the UTF-8 stream gave %zu bytes of %zu", streamed, direct);
}

static void check_detokenize(const chord_tokenizer *t, const int32_t *ids, int n, int skip_special, const char *expect)
{
    char probe[1];
    const int full = chord_detokenize(t, ids, n, skip_special, probe, 0);
    FUZZ_CHECK(full >= 0, "detokenize of %d ids = %d", n, full);
    char *buf = malloc((size_t)full + 1);
    FUZZ_CHECK(buf != NULL, "no memory for %d bytes", full);
    FUZZ_CHECK(chord_detokenize(t, ids, n, skip_special, buf, full) == full, "detokenize at full size");
    char *half = malloc((size_t)full / 2 + 1);
    FUZZ_CHECK(half != NULL, "no memory");
    FUZZ_CHECK(chord_detokenize(t, ids, n, skip_special, half, full / 2) == full, "detokenize at half size");
    FUZZ_CHECK(memcmp(half, buf, (size_t)full / 2) == 0, "a truncated decode is not a prefix");
    if (expect)
        FUZZ_CHECK((size_t)full == strlen(expect) && memcmp(buf, expect, (size_t)full) == 0,
                   "decode(encode(text)) != text: %zu bytes in, %d out", strlen(expect), full);
    free(half);
    free(buf);
}

static void check_segment(const chord_tokenizer *t, const char *text, int special)
{
    const int n_vocab = chord_tokenizer_n_vocab(t);
    int32_t small[4];
    int n = -1;
    chord_status s = chord_tokenize(t, text, special, special, small, 4, &n);
    if (s == CHORD_ERR_FORMAT) { /* SPM without a byte token and without unk: a file error, said so */
        FUZZ_FAILED_CLEARLY(s);
        return;
    }
    int32_t *ids = small;
    if (s == CHORD_ERR_INVALID) {
        FUZZ_CHECK(n > 4, "tokenize refused %d ids as too many for 4", n);
        ids = malloc((size_t)n * sizeof *ids);
        FUZZ_CHECK(ids != NULL, "no memory for %d ids", n);
        int n2 = -1;
        s = chord_tokenize(t, text, special, special, ids, n, &n2);
        FUZZ_CHECK(s == CHORD_OK && n2 == n, "retry with %d ids: %s, %d", n, chord_status_name(s), n2);
    }
    FUZZ_CHECK(s == CHORD_OK && n >= 0 && n <= 4 * (int)strlen(text) + 4, "tokenize: %s, %d ids", chord_status_name(s),
               n);
    if (special && chord_tokenizer_bos(t) >= 0)
        FUZZ_CHECK(n > 0 && ids[0] == chord_tokenizer_bos(t), "bos asked for but not first");
    for (int i = 0; i < n; i++) {
        FUZZ_CHECK(ids[i] >= 0 && ids[i] < n_vocab, "id %d of %d vocab", ids[i], n_vocab);
        (void)chord_tokenizer_is_eog(t, ids[i]);
        const char *piece = chord_tokenizer_piece(t, ids[i]);
        FUZZ_CHECK(piece != NULL, "piece(%d)", ids[i]);
        const int32_t back = chord_tokenizer_find(t, piece);
        FUZZ_CHECK(back < 0 || strcmp(chord_tokenizer_piece(t, back), piece) == 0, "find(piece(%d))", ids[i]);
    }
    check_bytes_and_stream(t, ids, n);
    check_detokenize(t, ids, n, 1, NULL);
    check_detokenize(t, ids, n, 0, !special && exact_roundtrip(t, text, ids, n) ? text : NULL);
    if (ids != small)
        free(ids);
}

static void check_chat(const chord_gguf *g, const chord_tokenizer *t, const char *system, const char *user,
                       size_t slack)
{
    FUZZ_CHECK(chord_chat_template_name(g) != NULL, "template name");
    char tiny[16];
    chord_status s = chord_chat_format(g, system, user, tiny, sizeof tiny);
    FUZZ_CHECK(s == CHORD_OK || s == CHORD_ERR_INVALID, "chat into 16 bytes: %s", chord_status_name(s));
    if (s != CHORD_OK)
        FUZZ_FAILED_CLEARLY(s);
    /* the built-in system turn a chatml template may hold is at most the file's size */
    const size_t size = strlen(system) + strlen(user) + slack + 256;
    char *out = malloc(size);
    FUZZ_CHECK(out != NULL, "no memory");
    s = chord_chat_format(g, system, user, out, size);
    FUZZ_CHECK(s == CHORD_OK && strlen(out) < size, "chat into %zu bytes: %s", size, chord_status_name(s));
    check_segment(t, out, 1);
    free(out);
}

static void load_and_encode(const chord_gguf *g, const uint8_t *data, size_t size)
{
    chord_tokenizer *t = NULL;
    chord_status s = chord_tokenizer_load(g, &t);
    if (s != CHORD_OK) {
        FUZZ_REFUSED_CLEARLY(s, "tokenizer_load", t);
        goto done;
    }
    const int n_vocab = chord_tokenizer_n_vocab(t);
    FUZZ_CHECK(n_vocab > 0, "n_vocab %d", n_vocab);
    FUZZ_CHECK(chord_tokenizer_bos(t) >= -1 && chord_tokenizer_bos(t) < n_vocab, "bos %d", chord_tokenizer_bos(t));
    FUZZ_CHECK(chord_tokenizer_eos(t) >= -1 && chord_tokenizer_eos(t) < n_vocab, "eos %d", chord_tokenizer_eos(t));
    FUZZ_CHECK(chord_tokenizer_piece(t, -1) == NULL && chord_tokenizer_piece(t, n_vocab) == NULL, "piece range");
    char probe[4];
    FUZZ_CHECK(chord_token_bytes(t, n_vocab, probe, 4) == 0 && chord_token_bytes(t, -1, probe, 4) == 0,
               "token_bytes out of range");
    FUZZ_CHECK(!chord_tokenizer_is_special(t, -1) && !chord_tokenizer_is_special(t, n_vocab), "is_special range");
    FUZZ_CHECK(chord_tokenizer_add_bos(t) == 0 || chord_tokenizer_bos(t) >= 0, "add_bos without a bos");
    /* every piece decodes, not only those an encoding produces (the first 256 ids, then a stride) */
    int32_t every[64];
    int n_every = 0;
    for (int32_t id = 0; id < n_vocab; id = id < 256 ? id + 1 : id + 1 + n_vocab / 64) {
        every[n_every++] = id;
        if (n_every == 64) {
            check_bytes_and_stream(t, every, n_every);
            check_detokenize(t, every, n_every, id & 1, NULL);
            n_every = 0;
        }
    }
    check_bytes_and_stream(t, every, n_every);

    /* the text: after the last byte any tensor uses */
    size_t end = chord_gguf_data_offset(g);
    for (int64_t i = 0; i < chord_gguf_n_tensors(g); i++) {
        const chord_gguf_tensor *ti = chord_gguf_tensor_at(g, i);
        const size_t e = chord_gguf_data_offset(g) + ti->offset + ti->bytes;
        end = e > end ? e : end;
    }
    const size_t n_text = size - end;
    char *text = malloc(n_text + 1);
    FUZZ_CHECK(text != NULL, "no memory");
    memcpy(text, data + end, n_text);
    text[n_text] = 0;
    const char *seg[MAX_SEGMENTS];
    int n_seg = 0;
    for (size_t at = 0; at <= n_text && n_seg < MAX_SEGMENTS;) {
        seg[n_seg] = text + at;
        check_segment(t, seg[n_seg], n_seg % 2 == 0);
        at += strlen(text + at) + 1;
        n_seg++;
    }
    check_chat(g, t, n_seg > 1 ? seg[1] : "", seg[0], size);
    free(text);
done:
    chord_tokenizer_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_gguf_input(data, size, load_and_encode); }
