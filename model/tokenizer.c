/* Tokenizer loading and the public API: the vocabulary and its hash, merges (gpt2), scores and byte tokens
 * (SPM), special-token ids and their partition of the input text, decoding and UTF-8 safe streaming.
 * The BPE itself lives in tokenizer_bpe.c, the character classes in tokenizer_unicode.c. */
#include <stdlib.h>
#include <string.h>

#include "tokenizer_internal.h"

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static size_t pow2_at_least(size_t n)
{
    size_t c = 16;
    while (c < n)
        c *= 2;
    return c;
}

static const char *piece_of(const chord_tokenizer *t, int32_t id) { return t->blob + t->piece_off[id]; }

int32_t chord_tok_find_n(const chord_tokenizer *t, const char *s, size_t n)
{
    size_t mask = t->vocab_cap - 1;
    for (size_t i = fnv1a(s, n) & mask; t->vocab_hash[i]; i = (i + 1) & mask) {
        int32_t id = t->vocab_hash[i] - 1;
        if (t->piece_len[id] == n && memcmp(piece_of(t, id), s, n) == 0)
            return id;
    }
    return -1;
}

chord_status chord_tok_reserve(void **p, int *cap, int n, size_t elem, int first, const char *what)
{
    if (n < *cap)
        return CHORD_OK;
    int c = *cap ? 2 * *cap : first;
    void *q = realloc(*p, (size_t)c * elem);
    if (!q)
        return chord_fail(CHORD_ERR_NOMEM, "tokenizer: no memory for %d %s", c, what);
    *p = q, *cap = c;
    return CHORD_OK;
}

chord_status chord_tok_push(chord_tok_ids *v, int32_t id)
{
    CHORD_TRY(chord_tok_reserve((void **)&v->ids, &v->cap, v->n, sizeof *v->ids, 256, "ids"));
    v->ids[v->n++] = id;
    return CHORD_OK;
}

/* ---- loading ---- */

/* An integer array of n_vocab elements (token_type) as int32 values. */
static chord_status read_i32_array(const chord_gguf *g, const char *key, int n_vocab, int32_t *dst)
{
    chord_gguf_vtype elem;
    uint64_t n;
    const void *data;
    CHORD_TRY(chord_gguf_get_array(g, key, &elem, &n, &data));
    if (n != (uint64_t)n_vocab || (elem != CHORD_GGUF_INT32 && elem != CHORD_GGUF_UINT32))
        return chord_fail(CHORD_ERR_FORMAT, "%s: %llu elements of %s, want %d of i32", key, (unsigned long long)n,
                          chord_gguf_vtype_name(elem), n_vocab);
    memcpy(dst, data, (size_t)n * 4);
    return CHORD_OK;
}

static chord_status load_vocab(const chord_gguf *g, chord_tokenizer *t)
{
    uint64_t n;
    const chord_gguf_str *items;
    CHORD_TRY(chord_gguf_get_str_array(g, "tokenizer.ggml.tokens", &n, &items));
    if (n == 0 || n > (1u << 24))
        return chord_fail(CHORD_ERR_FORMAT, "tokenizer.ggml.tokens: %llu tokens", (unsigned long long)n);
    t->n_vocab = (int)n;
    size_t bytes = 0;
    for (uint64_t i = 0; i < n; i++)
        bytes += items[i].len + 1;
    if (bytes > UINT32_MAX)
        return chord_fail(CHORD_ERR_FORMAT, "tokenizer.ggml.tokens: %zu bytes of text", bytes);
    t->blob = malloc(bytes);
    t->piece_off = malloc(n * sizeof *t->piece_off);
    t->piece_len = malloc(n * sizeof *t->piece_len);
    t->type = malloc(n);
    t->vocab_cap = pow2_at_least(2 * n);
    t->vocab_hash = calloc(t->vocab_cap, sizeof *t->vocab_hash);
    int32_t *types = malloc(n * sizeof *types);
    if (!t->blob || !t->piece_off || !t->piece_len || !t->type || !t->vocab_hash || !types) {
        free(types);
        return chord_fail(CHORD_ERR_NOMEM, "tokenizer: vocabulary of %llu tokens", (unsigned long long)n);
    }
    size_t off = 0;
    for (uint64_t i = 0; i < n; i++) {
        memcpy(t->blob + off, items[i].ptr, items[i].len);
        t->blob[off + items[i].len] = 0;
        t->piece_off[i] = (uint32_t)off, t->piece_len[i] = (uint32_t)items[i].len;
        off += items[i].len + 1;
    }
    chord_status st = CHORD_OK;
    if (chord_gguf_has(g, "tokenizer.ggml.token_type")) {
        st = read_i32_array(g, "tokenizer.ggml.token_type", t->n_vocab, types);
        for (uint64_t i = 0; st == CHORD_OK && i < n; i++)
            if (types[i] < 0 || types[i] > CHORD_TT_BYTE)
                st = chord_fail(CHORD_ERR_FORMAT, "tokenizer.ggml.token_type[%llu] = %d", (unsigned long long)i,
                                (int)types[i]);
        for (uint64_t i = 0; st == CHORD_OK && i < n; i++)
            t->type[i] = (uint8_t)(types[i] ? types[i] : CHORD_TT_NORMAL);
    } else {
        memset(t->type, CHORD_TT_NORMAL, n);
    }
    free(types);
    CHORD_TRY(st);
    /* a piece listed twice keeps its first id, as llama.cpp's token_to_id map does */
    size_t mask = t->vocab_cap - 1;
    for (int32_t id = 0; id < t->n_vocab; id++) {
        if (chord_tok_find_n(t, piece_of(t, id), t->piece_len[id]) >= 0)
            continue;
        size_t i = fnv1a(piece_of(t, id), t->piece_len[id]) & mask;
        while (t->vocab_hash[i])
            i = (i + 1) & mask;
        t->vocab_hash[i] = id + 1;
    }
    return CHORD_OK;
}

static chord_status load_merges(const chord_gguf *g, chord_tokenizer *t)
{
    uint64_t n;
    const chord_gguf_str *items;
    CHORD_TRY(chord_gguf_get_str_array(g, "tokenizer.ggml.merges", &n, &items));
    t->merge_cap = pow2_at_least(2 * n + 1);
    t->merges = calloc(t->merge_cap, sizeof *t->merges);
    if (!t->merges)
        return chord_fail(CHORD_ERR_NOMEM, "tokenizer: %llu merges", (unsigned long long)n);
    size_t mask = t->merge_cap - 1;
    for (uint64_t r = 0; r < n; r++) {
        const char *p = items[r].ptr, *sp = memchr(p, ' ', items[r].len);
        if (!sp || sp == p || sp == p + items[r].len - 1)
            return chord_fail(CHORD_ERR_FORMAT, "tokenizer.ggml.merges[%llu]: \"%.*s\" is not \"left right\"",
                              (unsigned long long)r, (int)(items[r].len < 64 ? items[r].len : 64), p);
        size_t nl = (size_t)(sp - p), nr = items[r].len - nl - 1;
        int32_t a = chord_tok_find_n(t, p, nl), b = chord_tok_find_n(t, sp + 1, nr);
        if (a < 0 || b < 0)
            continue; /* a merge whose sides are not tokens can never apply */
        char small[256], *buf = nl + nr > sizeof small ? malloc(nl + nr) : small; /* a merged piece of any length */
        if (!buf)
            return chord_fail(CHORD_ERR_NOMEM, "tokenizer.ggml.merges[%llu]: %zu bytes", (unsigned long long)r,
                              nl + nr);
        memcpy(buf, p, nl), memcpy(buf + nl, sp + 1, nr);
        int32_t ab = chord_tok_find_n(t, buf, nl + nr);
        if (buf != small)
            free(buf);
        if (ab < 0)
            continue; /* its result would not be a token */
        uint64_t key = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) + 1;
        size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & mask;
        while (t->merges[i].key && t->merges[i].key != key)
            i = (i + 1) & mask;
        if (!t->merges[i].key) /* a repeated merge keeps its first (higher) rank */
            t->merges[i] = (chord_tok_merge){key, (int32_t)r, ab};
    }
    return CHORD_OK;
}

static chord_status special_id(const chord_gguf *g, const chord_tokenizer *t, const char *key, int32_t dflt,
                               int32_t *out)
{
    int64_t v;
    *out = dflt;
    if (!chord_gguf_has(g, key))
        return CHORD_OK;
    CHORD_TRY(chord_gguf_get_int(g, key, &v));
    if (v < -1 || v >= t->n_vocab)
        return chord_fail(CHORD_ERR_FORMAT, "%s = %lld outside the vocabulary of %d", key, (long long)v, t->n_vocab);
    *out = (int32_t)v;
    return CHORD_OK;
}

static chord_status flag(const chord_gguf *g, const char *key, int dflt, int *out)
{
    int64_t v;
    *out = dflt;
    if (!chord_gguf_has(g, key))
        return CHORD_OK;
    CHORD_TRY(chord_gguf_get_int(g, key, &v));
    *out = v != 0;
    return CHORD_OK;
}

typedef struct {
    uint32_t len;
    int32_t id;
} len_id;

static int longer_first(const void *a, const void *b)
{
    const len_id *x = a, *y = b;
    return x->len != y->len ? (x->len > y->len ? -1 : 1) : (x->id > y->id) - (x->id < y->id);
}

static int is_special_type(int type)
{
    return type == CHORD_TT_CONTROL || type == CHORD_TT_USER || type == CHORD_TT_UNKNOWN;
}

static chord_status load_specials(const chord_gguf *g, chord_tokenizer *t)
{
    int spm = t->kind == CHORD_TOK_SPM;
    int32_t eos_dflt = chord_tokenizer_find(t, spm ? "</s>" : "<|endoftext|>");
    CHORD_TRY(
        special_id(g, t, "tokenizer.ggml.bos_token_id", spm ? chord_tokenizer_find(t, "<s>") : eos_dflt, &t->bos));
    CHORD_TRY(special_id(g, t, "tokenizer.ggml.eos_token_id", eos_dflt, &t->eos));
    CHORD_TRY(special_id(g, t, "tokenizer.ggml.eot_token_id", -1, &t->eot));
    CHORD_TRY(
        special_id(g, t, "tokenizer.ggml.unknown_token_id", spm ? chord_tokenizer_find(t, "<unk>") : -1, &t->unk));
    CHORD_TRY(flag(g, "tokenizer.ggml.add_bos_token", spm, &t->add_bos));
    CHORD_TRY(flag(g, "tokenizer.ggml.add_space_prefix", spm, &t->add_space_prefix));
    if (t->add_bos && t->bos < 0)
        return chord_fail(CHORD_ERR_FORMAT, "tokenizer: add_bos_token is set but there is no bos token");

    /* A file without token_type still has its bos/eos/eot/unk recognized in text. */
    int32_t ctl[] = {t->bos, t->eos, t->eot, t->unk};
    if (!chord_gguf_has(g, "tokenizer.ggml.token_type"))
        for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++)
            if (ctl[i] >= 0)
                t->type[ctl[i]] = CHORD_TT_CONTROL;
    int n = 0;
    for (int32_t id = 0; id < t->n_vocab; id++)
        n += is_special_type(t->type[id]) && t->piece_len[id] > 0;
    t->special = malloc((size_t)(n ? n : 1) * sizeof *t->special);
    len_id *order = malloc((size_t)(n ? n : 1) * sizeof *order);
    if (!t->special || !order) {
        free(order);
        return chord_fail(CHORD_ERR_NOMEM, "tokenizer: %d special tokens", n);
    }
    for (int32_t id = 0; id < t->n_vocab; id++)
        if (is_special_type(t->type[id]) && t->piece_len[id] > 0)
            order[t->n_special++] = (len_id){t->piece_len[id], id};
    /* longest first, so a special token wins over a shorter one that prefixes it */
    qsort(order, (size_t)t->n_special, sizeof *order, longer_first);
    for (int i = 0; i < t->n_special; i++) {
        t->special[i] = order[i].id;
        t->special_first[(unsigned char)piece_of(t, order[i].id)[0]] = 1;
    }
    free(order);

    /* end of generation: eos, eot and the end-of-turn pieces of the chat formats */
    static const char *const eog_pieces[] = {"<|im_end|>", "<|eot_id|>",    "<|end_of_text|>", "<|endoftext|>",
                                             "<|eom_id|>", "<end_of_turn>", "<|end|>",         "</s>"};
    int32_t cand[2 + sizeof eog_pieces / sizeof eog_pieces[0]];
    int nc = 0;
    cand[nc++] = t->eos, cand[nc++] = t->eot;
    for (size_t i = 0; i < sizeof eog_pieces / sizeof eog_pieces[0]; i++)
        cand[nc++] = chord_tokenizer_find(t, eog_pieces[i]);
    for (int i = 0; i < nc; i++)
        if (cand[i] >= 0 && !chord_tokenizer_is_eog(t, cand[i]) && t->n_eog < CHORD_TOK_MAX_EOG)
            t->eog[t->n_eog++] = cand[i];
    return CHORD_OK;
}

static chord_status load_byte_ids(chord_tokenizer *t)
{
    for (int b = 0; b < 256; b++) {
        char buf[8];
        size_t n;
        if (t->kind == CHORD_TOK_GPT2) {
            n = chord_tok_utf8_encode(chord_tok_byte_to_cp((uint8_t)b), buf);
        } else {
            static const char hex[] = "0123456789ABCDEF";
            memcpy(buf, "<0x", 3), buf[3] = hex[b >> 4], buf[4] = hex[b & 15], buf[5] = '>';
            n = 6;
        }
        t->byte_id[b] = chord_tok_find_n(t, buf, n);
    }
    return CHORD_OK;
}

static chord_tok_pre pre_from_name(chord_gguf_str s)
{
    static const char *const digits[] = {"smollm",    "starcoder", "refact", "command-r",
                                         "codeshell", "exaone",    "minerva"};
    static const char *const llama3[] = {"llama3", "llama-bpe", "llama-v3", "dbrx", "smaug-bpe"};
    for (size_t i = 0; i < sizeof digits / sizeof digits[0]; i++)
        if (chord_gguf_str_eq(s, digits[i]))
            return CHORD_PRE_DIGITS;
    for (size_t i = 0; i < sizeof llama3 / sizeof llama3[0]; i++)
        if (chord_gguf_str_eq(s, llama3[i]))
            return CHORD_PRE_LLAMA3;
    return CHORD_PRE_GPT2; /* "gpt2", "default" and the families not implemented here: GPT-2's split */
}

chord_status chord_tokenizer_load(const chord_gguf *g, chord_tokenizer **out)
{
    chord_gguf_str model, pre;
    *out = NULL;
    CHORD_TRY(chord_gguf_get_str(g, "tokenizer.ggml.model", &model));
    chord_tokenizer *t = calloc(1, sizeof *t);
    if (!t)
        return chord_fail(CHORD_ERR_NOMEM, "tokenizer");
    chord_status st = CHORD_OK;
    if (chord_gguf_str_eq(model, "gpt2"))
        t->kind = CHORD_TOK_GPT2;
    else if (chord_gguf_str_eq(model, "llama"))
        t->kind = CHORD_TOK_SPM;
    else
        st = chord_fail(CHORD_ERR_UNSUPPORTED, "tokenizer.ggml.model \"%.*s\": only gpt2 and llama are supported",
                        (int)(model.len < 64 ? model.len : 64), model.ptr);
    if (st == CHORD_OK)
        st = load_vocab(g, t);
    if (st == CHORD_OK && t->kind == CHORD_TOK_GPT2) {
        st = load_merges(g, t);
        if (st == CHORD_OK && chord_gguf_has(g, "tokenizer.ggml.pre"))
            st = chord_gguf_get_str(g, "tokenizer.ggml.pre", &pre);
        if (st == CHORD_OK)
            t->pre = chord_gguf_has(g, "tokenizer.ggml.pre") ? pre_from_name(pre) : CHORD_PRE_GPT2;
    }
    if (st == CHORD_OK && t->kind == CHORD_TOK_SPM) {
        t->scores = calloc((size_t)t->n_vocab, sizeof *t->scores);
        if (!t->scores)
            st = chord_fail(CHORD_ERR_NOMEM, "tokenizer: scores");
        if (st == CHORD_OK && chord_gguf_has(g, "tokenizer.ggml.scores")) {
            chord_gguf_vtype elem;
            uint64_t n;
            const void *data;
            st = chord_gguf_get_array(g, "tokenizer.ggml.scores", &elem, &n, &data);
            if (st == CHORD_OK && (elem != CHORD_GGUF_FLOAT32 || n != (uint64_t)t->n_vocab))
                st = chord_fail(CHORD_ERR_FORMAT, "tokenizer.ggml.scores: %llu of %s, want %d of f32",
                                (unsigned long long)n, chord_gguf_vtype_name(elem), t->n_vocab);
            if (st == CHORD_OK)
                memcpy(t->scores, data, (size_t)n * sizeof(float));
        }
    }
    if (st == CHORD_OK)
        st = load_byte_ids(t);
    if (st == CHORD_OK)
        st = load_specials(g, t);
    if (st != CHORD_OK) {
        chord_tokenizer_free(t);
        return st;
    }
    *out = t;
    return CHORD_OK;
}

void chord_tokenizer_free(chord_tokenizer *t)
{
    if (!t)
        return;
    free(t->blob);
    free(t->piece_off);
    free(t->piece_len);
    free(t->scores);
    free(t->type);
    free(t->vocab_hash);
    free(t->merges);
    free(t->special);
    free(t);
}

/* ---- queries ---- */

int chord_tokenizer_n_vocab(const chord_tokenizer *t) { return t->n_vocab; }
int32_t chord_tokenizer_bos(const chord_tokenizer *t) { return t->bos; }
int32_t chord_tokenizer_eos(const chord_tokenizer *t) { return t->eos; }
int chord_tokenizer_add_bos(const chord_tokenizer *t) { return t->add_bos; }

int chord_tokenizer_is_eog(const chord_tokenizer *t, int32_t id)
{
    for (int i = 0; i < t->n_eog; i++)
        if (t->eog[i] == id)
            return 1;
    return 0;
}

int32_t chord_tokenizer_find(const chord_tokenizer *t, const char *piece)
{
    return chord_tok_find_n(t, piece, strlen(piece));
}

const char *chord_tokenizer_piece(const chord_tokenizer *t, int32_t id)
{
    return id >= 0 && id < t->n_vocab ? piece_of(t, id) : NULL;
}

int chord_tokenizer_is_special(const chord_tokenizer *t, int32_t id)
{
    return id >= 0 && id < t->n_vocab && t->type[id] == CHORD_TT_CONTROL;
}

/* ---- encoding ---- */

/* The longest special token spelled at s[0..n), or -1. */
static int32_t match_special(const chord_tokenizer *t, const char *s, size_t n)
{
    if (!t->special_first[(unsigned char)s[0]])
        return -1;
    for (int i = 0; i < t->n_special; i++) {
        int32_t id = t->special[i];
        size_t len = t->piece_len[id];
        if (len <= n && piece_of(t, id)[0] == s[0] && memcmp(piece_of(t, id), s, len) == 0)
            return id;
    }
    return -1;
}

static chord_status encode_raw(const chord_tokenizer *t, const char *s, size_t n, int after_special, chord_tok_ids *v)
{
    if (n == 0)
        return CHORD_OK;
    return t->kind == CHORD_TOK_GPT2 ? chord_tok_encode_gpt2(t, s, n, v)
                                     : chord_tok_encode_spm(t, s, n, after_special, v);
}

chord_status chord_tokenize(const chord_tokenizer *t, const char *text, int add_bos, int parse_special, int32_t *ids,
                            int max_ids, int *n_out)
{
    return chord_tokenize_n(t, text, strlen(text), add_bos, parse_special, ids, max_ids, n_out);
}

chord_status chord_tokenize_n(const chord_tokenizer *t, const char *text, size_t n, int add_bos, int parse_special,
                              int32_t *ids, int max_ids, int *n_out)
{
    chord_tok_ids v = {0};
    chord_status st = CHORD_OK;
    size_t raw = 0;
    int after_special = 1; /* SPM: the input's start counts as following a special token */
    *n_out = 0;
    if (add_bos && t->bos >= 0)
        st = chord_tok_push(&v, t->bos);
    for (size_t pos = 0; parse_special && st == CHORD_OK && pos < n; pos++) {
        int32_t id = match_special(t, text + pos, n - pos);
        if (id < 0)
            continue;
        st = encode_raw(t, text + raw, pos - raw, after_special, &v);
        if (st == CHORD_OK)
            st = chord_tok_push(&v, id);
        after_special = 1;
        raw = pos + t->piece_len[id];
        pos = raw - 1;
    }
    if (st == CHORD_OK)
        st = encode_raw(t, text + raw, n - raw, after_special, &v);
    if (st == CHORD_OK) {
        *n_out = v.n;
        if (v.n > max_ids)
            st = chord_fail(CHORD_ERR_INVALID, "tokenize: %d tokens do not fit in %d", v.n, max_ids);
        else if (v.n > 0)
            memcpy(ids, v.ids, (size_t)v.n * sizeof *ids);
    }
    free(v.ids);
    return st;
}

/* ---- decoding ---- */

static void put(char *buf, int size, int *len, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++, (*len)++)
        if (*len < size)
            buf[*len] = src[i];
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : -1;
}

int chord_token_bytes(const chord_tokenizer *t, int32_t id, char *buf, int size)
{
    if (id < 0 || id >= t->n_vocab)
        return 0;
    const char *p = piece_of(t, id);
    size_t n = t->piece_len[id];
    int len = 0;
    if (is_special_type(t->type[id])) { /* control and user-defined pieces are their own text */
        put(buf, size, &len, p, n);
        return len;
    }
    if (t->kind == CHORD_TOK_SPM) {
        if (n == 6 && memcmp(p, "<0x", 3) == 0 && p[5] == '>' && hexval(p[3]) >= 0 && hexval(p[4]) >= 0) {
            char b = (char)(hexval(p[3]) * 16 + hexval(p[4]));
            put(buf, size, &len, &b, 1);
            return len;
        }
        for (size_t i = 0; i < n;) {
            if (i + 3 <= n && memcmp(p + i, "\xE2\x96\x81", 3) == 0) {
                put(buf, size, &len, " ", 1);
                i += 3;
            } else {
                put(buf, size, &len, p + i, 1);
                i++;
            }
        }
        return len;
    }
    for (size_t i = 0; i < n;) { /* byte-level: each character stands for one byte */
        uint32_t cp;
        size_t l = chord_tok_utf8_decode(p + i, n - i, &cp);
        int b = cp == CHORD_TOK_BAD_CP ? -1 : chord_tok_cp_to_byte(cp);
        if (b >= 0) {
            char c = (char)b;
            put(buf, size, &len, &c, 1);
        } else { /* not a byte-level character: keep it as written */
            put(buf, size, &len, p + i, l);
        }
        i += l;
    }
    return len;
}

int chord_detokenize(const chord_tokenizer *t, const int32_t *ids, int n, int skip_special, char *buf, int size)
{
    int len = 0;
    char tmp[512];
    /* SPM's prefix space is not part of the text (llama.cpp drops it the same way): one space, at the start */
    int strip = t->kind == CHORD_TOK_SPM && t->add_space_prefix;
    for (int i = 0; i < n; i++) {
        if (skip_special && chord_tokenizer_is_special(t, ids[i]))
            continue;
        int m = chord_token_bytes(t, ids[i], tmp, (int)sizeof tmp);
        char *p = tmp, *heap = NULL;
        if (m > (int)sizeof tmp) { /* a long piece: decode again at full size */
            heap = malloc((size_t)m);
            if (!heap)
                return -1;
            chord_token_bytes(t, ids[i], heap, m);
            p = heap;
        }
        int skip = strip && len == 0 && m > 0 && p[0] == ' ' && !chord_tokenizer_is_special(t, ids[i]);
        strip &= !skip; /* the text's own leading spaces stay */
        put(buf, size, &len, p + skip, (size_t)(m - skip));
        free(heap);
    }
    return len;
}

/* ---- UTF-8 streaming ---- */

static int utf8_seq_len(unsigned char b)
{
    return b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
}

size_t chord_utf8_stream_push(chord_utf8_stream *s, const char *bytes, size_t n, char *out, size_t out_size)
{
    size_t total = (size_t)s->n_pending + n;
    if (out_size < total)
        return (size_t)-1;
    memcpy(out, s->pending, (size_t)s->n_pending);
    memcpy(out + s->n_pending, bytes, n);
    /* hold back a lead byte and its continuation bytes at the end if the sequence is not complete yet;
     * malformed bytes pass through unchanged (the stream is byte-exact either way) */
    size_t i = total;
    int cont = 0;
    while (i > 0 && cont < 3 && ((unsigned char)out[i - 1] & 0xC0) == 0x80)
        i--, cont++;
    size_t hold = 0;
    if (i > 0) {
        int need = utf8_seq_len((unsigned char)out[i - 1]);
        if (need > 1 && (int)(total - (i - 1)) < need)
            hold = total - (i - 1);
    }
    memcpy(s->pending, out + total - hold, hold);
    s->n_pending = (int)hold;
    return total - hold;
}

size_t chord_utf8_stream_flush(chord_utf8_stream *s, char *out, size_t out_size)
{
    size_t n = (size_t)s->n_pending;
    if (out_size < n)
        return (size_t)-1;
    memcpy(out, s->pending, n);
    s->n_pending = 0;
    return n;
}
