/* The BPE half of the tokenizer: the pre-tokenizer split (hand-written matchers equivalent to the regexes in
 * tokenizer_internal.h, so no regex engine is needed) and one merge engine for both vocabularies:
 *   gpt2: the word's bytes become GPT-2's printable characters; adjacent pairs merge lowest merge rank first.
 *   SPM:  spaces become U+2581; adjacent pairs whose concatenation is a token merge highest score first;
 *         what stays outside the vocab falls back to <0xXX> byte tokens.
 * Equal priorities merge leftmost first (HF and llama.cpp do). Candidates sit in a binary heap and are checked
 * for staleness when popped, so a word of n characters costs O(n log n). */
#include <stdlib.h>
#include <string.h>

#include "tokenizer_internal.h"

/* ---- UTF-8 and the byte map ---- */

size_t chord_tok_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len;
    uint32_t c, min;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    } else if ((u[0] & 0xE0) == 0xC0) {
        len = 2, c = u[0] & 0x1F, min = 0x80;
    } else if ((u[0] & 0xF0) == 0xE0) {
        len = 3, c = u[0] & 0x0F, min = 0x800;
    } else if ((u[0] & 0xF8) == 0xF0) {
        len = 4, c = u[0] & 0x07, min = 0x10000;
    } else {
        *cp = CHORD_TOK_BAD_CP;
        return 1;
    }
    if (len > n)
        goto bad;
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80)
            goto bad;
        c = (c << 6) | (u[i] & 0x3F);
    }
    /* overlong forms, surrogates and values past U+10FFFF are not characters */
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        goto bad;
    *cp = c;
    return len;
bad:
    *cp = CHORD_TOK_BAD_CP;
    return 1;
}

size_t chord_tok_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    } else if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    } else if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static int byte_is_printable(unsigned b)
{
    return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
}

uint32_t chord_tok_byte_to_cp(uint8_t b)
{
    if (byte_is_printable(b))
        return b;
    uint32_t k = 0; /* rank of b among the non-printable bytes */
    for (unsigned i = 0; i < b; i++)
        k += !byte_is_printable(i);
    return 256 + k;
}

int chord_tok_cp_to_byte(uint32_t cp)
{
    if (cp < 256)
        return byte_is_printable(cp) ? (int)cp : -1;
    uint32_t k = 256;
    for (unsigned i = 0; i < 256; i++)
        if (!byte_is_printable(i) && k++ == cp)
            return (int)i;
    return -1;
}

/* ---- pre-tokenizer split ---- */

enum { C_LETTER, C_NUMBER, C_SPACE, C_OTHER };

static int cls(uint32_t cp)
{
    if (chord_tok_is_letter(cp))
        return C_LETTER;
    if (chord_tok_is_number(cp))
        return C_NUMBER;
    if (chord_tok_is_space(cp))
        return C_SPACE;
    return C_OTHER;
}

/* End of the run of class c starting at pos (at most max code points). */
static size_t run(const char *s, size_t pos, size_t end, int c, size_t max)
{
    for (size_t k = 0; pos < end && k < max; k++) {
        uint32_t cp;
        size_t l = chord_tok_utf8_decode(s + pos, end - pos, &cp);
        if (cls(cp) != c)
            break;
        pos += l;
    }
    return pos;
}

/* Length of a contraction suffix after the apostrophe at s[pos-1] ('s 't 'm 'd 're 've 'll), else 0.
 * fold_case is llama3's (?i:...), here ASCII only: Unicode folding would also take U+017F (long s) for 's'. */
static size_t contraction(const char *s, size_t pos, size_t end, int fold_case)
{
    char a = pos < end ? s[pos] : 0, b = pos + 1 < end ? s[pos + 1] : 0;
    if (fold_case) {
        a = (a >= 'A' && a <= 'Z') ? (char)(a + 32) : a;
        b = (b >= 'A' && b <= 'Z') ? (char)(b + 32) : b;
    }
    if (a == 's' || a == 't' || a == 'm' || a == 'd')
        return 1;
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
        return 2;
    return 0;
}

/* \s+(?!\S)|\s+ at a whitespace code point: a run followed by text leaves its last character to the next
 * word (so " word" keeps its space), unless the run is that one character. */
static size_t match_space(const char *s, size_t pos, size_t end)
{
    size_t q = run(s, pos, end, C_SPACE, (size_t)-1);
    if (q == end)
        return q;
    size_t last = q - 1;
    while (last > pos && ((unsigned char)s[last] & 0xC0) == 0x80)
        last--;
    return last > pos ? last : q;
}

static size_t match_gpt2(const char *s, size_t pos, size_t end)
{
    uint32_t c0, c1 = CHORD_TOK_BAD_CP;
    size_t l0 = chord_tok_utf8_decode(s + pos, end - pos, &c0);
    if (pos + l0 < end)
        chord_tok_utf8_decode(s + pos + l0, end - pos - l0, &c1);
    if (c0 == '\'') {
        size_t k = contraction(s, pos + 1, end, 0);
        if (k)
            return pos + 1 + k;
    }
    if (c0 == ' ' && pos + 1 < end && cls(c1) != C_SPACE) /* ' ?' then letters, numbers or other */
        return run(s, pos + 1, end, cls(c1), (size_t)-1);
    if (cls(c0) != C_SPACE)
        return run(s, pos, end, cls(c0), (size_t)-1);
    return match_space(s, pos, end);
}

static int is_newline(uint32_t cp) { return cp == '\r' || cp == '\n'; }

static size_t match_llama3(const char *s, size_t pos, size_t end)
{
    uint32_t c0, c1 = CHORD_TOK_BAD_CP;
    size_t l0 = chord_tok_utf8_decode(s + pos, end - pos, &c0);
    if (pos + l0 < end)
        chord_tok_utf8_decode(s + pos + l0, end - pos - l0, &c1);
    int k0 = cls(c0), k1 = pos + l0 < end ? cls(c1) : -1;
    if (c0 == '\'') {
        size_t k = contraction(s, pos + 1, end, 1);
        if (k)
            return pos + 1 + k;
    }
    if (k0 == C_LETTER) /* [^\r\n\p{L}\p{N}]?\p{L}+ */
        return run(s, pos, end, C_LETTER, (size_t)-1);
    if (k0 != C_NUMBER && !is_newline(c0) && k1 == C_LETTER)
        return run(s, pos + l0, end, C_LETTER, (size_t)-1);
    if (k0 == C_NUMBER) /* \p{N}{1,3} */
        return run(s, pos, end, C_NUMBER, 3);
    size_t p = (c0 == ' ' && k1 == C_OTHER) ? pos + 1 : pos; /* ' ?[^\s\p{L}\p{N}]+[\r\n]*' */
    if (p > pos || k0 == C_OTHER) {
        p = run(s, p, end, C_OTHER, (size_t)-1);
        while (p < end && (s[p] == '\r' || s[p] == '\n'))
            p++;
        return p;
    }
    /* whitespace: \s*[\r\n]+ ends after the run's last newline; else \s+(?!\S)|\s+ */
    size_t q = run(s, pos, end, C_SPACE, (size_t)-1), nl = 0;
    for (size_t i = pos; i < q; i++)
        if (s[i] == '\r' || s[i] == '\n')
            nl = i + 1;
    return nl ? nl : match_space(s, pos, end);
}

/* ---- merge engine ---- */

typedef struct {
    size_t start, len; /* bytes of the working string; len 0 = absorbed into its left neighbour */
    int prev, next;
    int32_t id; /* -1: not a token (SPM: falls back to bytes) */
} sym;

typedef struct {
    double key; /* smaller merges first: gpt2 rank, SPM -score */
    int left, right;
    size_t len; /* combined length when queued: a mismatch at pop time means a side has changed */
    int32_t id;
} cand;

typedef struct {
    sym *syms;
    cand *heap;
    int n_syms, n_heap, cap_heap;
} engine;

static int cand_before(const cand *a, const cand *b)
{
    return a->key < b->key || (a->key == b->key && a->left < b->left);
}

static chord_status heap_push(engine *e, cand c)
{
    CHORD_TRY(chord_tok_reserve((void **)&e->heap, &e->cap_heap, e->n_heap, sizeof *e->heap, 64, "merge candidates"));
    int i = e->n_heap++;
    while (i > 0 && cand_before(&c, &e->heap[(i - 1) / 2])) {
        e->heap[i] = e->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    e->heap[i] = c;
    return CHORD_OK;
}

static cand heap_pop(engine *e)
{
    cand top = e->heap[0], last = e->heap[--e->n_heap];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= e->n_heap)
            break;
        if (c + 1 < e->n_heap && cand_before(&e->heap[c + 1], &e->heap[c]))
            c++;
        if (!cand_before(&e->heap[c], &last))
            break;
        e->heap[i] = e->heap[c];
        i = c;
    }
    if (e->n_heap > 0)
        e->heap[i] = last;
    return top;
}

static int32_t merge_lookup(const chord_tokenizer *t, int32_t a, int32_t b, int32_t *rank)
{
    if (a < 0 || b < 0 || !t->merge_cap)
        return -1;
    uint64_t key = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) + 1;
    size_t mask = t->merge_cap - 1, i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & mask;
    for (; t->merges[i].key; i = (i + 1) & mask)
        if (t->merges[i].key == key) {
            *rank = t->merges[i].rank;
            return t->merges[i].id;
        }
    return -1;
}

/* Queues the pair (l, l.next) if it may merge. */
static chord_status try_pair(const chord_tokenizer *t, engine *e, const char *s, int l)
{
    if (l < 0 || e->syms[l].next < 0)
        return CHORD_OK;
    const sym *a = &e->syms[l], *b = &e->syms[a->next];
    cand c = {0, l, a->next, a->len + b->len, -1};
    if (t->kind == CHORD_TOK_GPT2) {
        int32_t rank;
        c.id = merge_lookup(t, a->id, b->id, &rank);
        c.key = rank;
    } else {
        c.id = chord_tok_find_n(t, s + a->start, c.len);
        c.key = c.id >= 0 ? -(double)t->scores[c.id] : 0;
    }
    return c.id >= 0 ? heap_push(e, c) : CHORD_OK;
}

static chord_status merge_all(const chord_tokenizer *t, engine *e, const char *s)
{
    e->n_heap = 0;
    for (int i = 0; i + 1 < e->n_syms; i++)
        CHORD_TRY(try_pair(t, e, s, i));
    while (e->n_heap > 0) {
        cand c = heap_pop(e);
        sym *a = &e->syms[c.left], *b = &e->syms[c.right];
        if (a->len == 0 || b->len == 0 || a->next != c.right || a->len + b->len != c.len)
            continue; /* stale */
        a->len += b->len;
        a->id = c.id;
        a->next = b->next;
        if (b->next >= 0)
            e->syms[b->next].prev = c.left;
        b->len = 0;
        CHORD_TRY(try_pair(t, e, s, a->prev));
        CHORD_TRY(try_pair(t, e, s, c.left));
    }
    return CHORD_OK;
}

static chord_status engine_reserve(engine *e, size_t n)
{
    sym *p = realloc(e->syms, (n ? n : 1) * sizeof *p);
    if (!p)
        return chord_fail(CHORD_ERR_NOMEM, "tokenizer: %zu symbols", n);
    e->syms = p;
    return CHORD_OK;
}

static void engine_free(engine *e)
{
    free(e->syms);
    free(e->heap);
}

static void link_syms(engine *e)
{
    for (int i = 0; i < e->n_syms; i++) {
        e->syms[i].prev = i - 1;
        e->syms[i].next = i + 1 < e->n_syms ? i + 1 : -1;
    }
}

/* One pre-tokenized word: one symbol per byte (its mapped character's token), merged by rank. */
static chord_status encode_word_gpt2(const chord_tokenizer *t, engine *e, const char *w, size_t n, chord_tok_ids *out)
{
    CHORD_TRY(engine_reserve(e, n));
    e->n_syms = (int)n;
    for (size_t i = 0; i < n; i++)
        e->syms[i] = (sym){i, 1, 0, 0, t->byte_id[(unsigned char)w[i]]};
    link_syms(e);
    CHORD_TRY(merge_all(t, e, NULL));
    /* A byte whose character is not in the vocabulary (SmolLM2 lacks 0xC0, 0xC1, 0xF5..0xFF, which UTF-8 never
     * uses) cannot be encoded; it is dropped, as llama.cpp does, rather than turned into an unk that may be
     * the end-of-text token. */
    for (int i = 0; i >= 0; i = e->syms[i].next)
        if (e->syms[i].id >= 0)
            CHORD_TRY(chord_tok_push(out, e->syms[i].id));
    return CHORD_OK;
}

size_t chord_tok_pre_next(chord_tok_pre pre, const char *s, size_t n, size_t pos, size_t *seg_end)
{
    if (pre == CHORD_PRE_DIGITS) { /* each number character is a word; the split runs between them */
        uint32_t cp;
        size_t l = chord_tok_utf8_decode(s + pos, n - pos, &cp);
        if (chord_tok_is_number(cp))
            return pos + l;
        if (pos >= *seg_end) { /* the next number ends the segment: the regex sees it as the end of text */
            for (*seg_end = pos + l; *seg_end < n; *seg_end += l) {
                l = chord_tok_utf8_decode(s + *seg_end, n - *seg_end, &cp);
                if (chord_tok_is_number(cp))
                    break;
            }
        }
        return match_gpt2(s, pos, *seg_end);
    }
    return pre == CHORD_PRE_LLAMA3 ? match_llama3(s, pos, n) : match_gpt2(s, pos, n);
}

chord_status chord_tok_encode_gpt2(const chord_tokenizer *t, const char *s, size_t n, chord_tok_ids *out)
{
    engine e = {0};
    chord_status st = CHORD_OK;
    size_t seg_end = 0;
    for (size_t pos = 0, end; pos < n && st == CHORD_OK; pos = end) {
        end = chord_tok_pre_next(t->pre, s, n, pos, &seg_end);
        st = encode_word_gpt2(t, &e, s + pos, end - pos, out);
    }
    engine_free(&e);
    return st;
}

/* SPM: the whole run is one sequence of characters (no pre-split), spaces escaped to U+2581. */
chord_status chord_tok_encode_spm(const chord_tokenizer *t, const char *s, size_t n, int first_after_special,
                                  chord_tok_ids *out)
{
    static const char ws[] = "\xE2\x96\x81";
    int prefix = t->add_space_prefix && first_after_special;
    size_t spaces = prefix;
    for (size_t i = 0; i < n; i++)
        spaces += s[i] == ' ';
    char *x = malloc(n + 2 * spaces + 1);
    engine e = {0};
    chord_status st = CHORD_OK;
    if (!x)
        return chord_fail(CHORD_ERR_NOMEM, "tokenizer: %zu bytes", n);
    size_t m = 0;
    if (prefix)
        memcpy(x, ws, 3), m = 3;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ')
            memcpy(x + m, ws, 3), m += 3;
        else
            x[m++] = s[i];
    }
    if ((st = engine_reserve(&e, m)) != CHORD_OK)
        goto done;
    e.n_syms = 0;
    for (size_t i = 0; i < m;) {
        uint32_t cp;
        size_t l = chord_tok_utf8_decode(x + i, m - i, &cp);
        e.syms[e.n_syms++] = (sym){i, l, 0, 0, chord_tok_find_n(t, x + i, l)};
        i += l;
    }
    link_syms(&e);
    if (e.n_syms == 0 || (st = merge_all(t, &e, x)) != CHORD_OK)
        goto done;
    for (int i = 0; i >= 0 && st == CHORD_OK; i = e.syms[i].next) {
        const sym *y = &e.syms[i];
        if (y->id >= 0) {
            st = chord_tok_push(out, y->id);
            continue;
        }
        for (size_t b = 0; b < y->len && st == CHORD_OK; b++) { /* byte fallback */
            int32_t id = t->byte_id[(unsigned char)x[y->start + b]];
            if (id < 0)
                id = t->unk;
            if (id < 0)
                st = chord_fail(CHORD_ERR_FORMAT, "tokenizer: no <0x%02X> byte token and no unk token",
                                (unsigned char)x[y->start + b]);
            else
                st = chord_tok_push(out, id);
        }
    }
done:
    engine_free(&e);
    free(x);
    return st;
}
