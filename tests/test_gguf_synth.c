/* Synthetic models: the files validate, carry the shape's keys and tensors, their weights dequantize to finite
 * values of the intended size (std 1/sqrt(input width), norms near 1), and the tokenizer is self-consistent
 * (unique pieces, merges over existing pieces, special ids in range). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dequant/dequant.h"
#include "gguf.h"
#include "synth.h"

static void must(chord_status s) { cr_assert_eq(s, CHORD_OK, "%s: %s", chord_status_name(s), chord_last_error()); }

static char *tmp_path(const char *tag)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/chord_test_synth_%d_%s.gguf", (int)getpid(), tag);
    return path;
}

static int64_t get_int(const chord_gguf *g, const char *key)
{
    int64_t v;
    must(chord_gguf_get_int(g, key, &v));
    return v;
}

/* Every weight dequantizes to finite values; matmul weights have mean ~0 and std ~1/sqrt(ne[0]), norms lie in
 * [0.9, 1.1]. Checks at most max_rows rows per tensor (all of them when small). */
static void check_weights(const chord_gguf *g, int64_t max_rows)
{
    for (int64_t i = 0; i < chord_gguf_n_tensors(g); i++) {
        const chord_gguf_tensor *t = chord_gguf_tensor_at(g, i);
        int64_t n = t->ne[0], rows = t->ne[1] < max_rows ? t->ne[1] : max_rows;
        size_t row_bytes = chord_type_row_bytes((int)t->type, n);
        float *row = malloc((size_t)n * sizeof *row);
        double sum = 0, sum2 = 0;
        int norm = strstr(t->name, "norm") != NULL;
        for (int64_t r = 0; r < rows; r++) {
            chord_dequant_args a = {t->type, n};
            cr_assert_eq(chord_dequant_reference((const uint8_t *)t->data + (size_t)r * row_bytes, row, &a), 0);
            for (int64_t k = 0; k < n; k++) {
                cr_assert(isfinite(row[k]), "%s[%lld][%lld] = %g", t->name, (long long)r, (long long)k, row[k]);
                if (norm)
                    cr_assert(row[k] >= 0.89f && row[k] <= 1.11f, "%s: norm weight %g", t->name, row[k]);
                sum += row[k], sum2 += (double)row[k] * row[k];
            }
        }
        free(row);
        if (norm)
            continue;
        double count = (double)n * (double)rows, mean = sum / count, std = sqrt(sum2 / count - mean * mean);
        double want = 1.0 / sqrt((double)n);
        cr_assert(std > 0.7 * want && std < 1.4 * want, "%s: std %g, want ~%g", t->name, std, want);
        /* no shared bias: it would add mean * sum(x) to every output (see make_table). The sample mean of count
         * values of std `want` is within 5 / sqrt(count) of 0; 0.01 allows f16 rounding of scales and mins. */
        cr_assert(fabs(mean) < want * (5.0 / sqrt(count) + 0.01), "%s: mean %g over %g values (std %g)", t->name, mean,
                  count, want);
    }
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int64_t find_piece(const chord_gguf_str *tok, uint64_t n, const char *p, size_t len)
{
    for (uint64_t i = 0; i < n; i++)
        if (tok[i].len == len && !memcmp(tok[i].ptr, p, len))
            return (int64_t)i;
    return -1;
}

/* Pieces unique, types valid, every merge "a b" joins two existing pieces into an existing piece, special ids in
 * range and of control type. */
static void check_tokenizer(const chord_gguf *g, int64_t n_vocab)
{
    uint64_t n;
    const chord_gguf_str *tok;
    must(chord_gguf_get_str_array(g, "tokenizer.ggml.tokens", &n, &tok));
    cr_assert_eq((int64_t)n, n_vocab);
    cr_assert_eq(get_int(g, "llama.vocab_size"), n_vocab);
    chord_gguf_vtype et;
    uint64_t n_types;
    const void *types;
    must(chord_gguf_get_array(g, "tokenizer.ggml.token_type", &et, &n_types, &types));
    cr_assert(et == CHORD_GGUF_INT32 && n_types == n);
    char **s = malloc(n * sizeof *s);
    for (uint64_t i = 0; i < n; i++) {
        cr_assert(tok[i].len > 0 && !memchr(tok[i].ptr, 0, tok[i].len), "token %llu", (unsigned long long)i);
        s[i] = strndup(tok[i].ptr, tok[i].len);
        int32_t ty;
        memcpy(&ty, (const int32_t *)types + i, 4);
        cr_assert(ty >= 1 && ty <= 6, "token %llu type %d", (unsigned long long)i, ty);
    }
    qsort(s, n, sizeof *s, cmp_str);
    for (uint64_t i = 0; i + 1 < n; i++)
        cr_assert(strcmp(s[i], s[i + 1]) != 0, "piece '%s' appears twice", s[i]);
    for (uint64_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
    chord_gguf_str model;
    must(chord_gguf_get_str(g, "tokenizer.ggml.model", &model));
    if (chord_gguf_str_eq(model, "gpt2")) {
        uint64_t n_merges;
        const chord_gguf_str *m;
        must(chord_gguf_get_str_array(g, "tokenizer.ggml.merges", &n_merges, &m));
        cr_assert_geq(n_merges, 20);
        for (uint64_t i = 0; i < n_merges; i++) {
            const char *sp = memchr(m[i].ptr, ' ', m[i].len);
            cr_assert_not_null(sp, "merge %llu", (unsigned long long)i);
            size_t la = (size_t)(sp - m[i].ptr), lb = m[i].len - la - 1;
            char joined[128];
            memcpy(joined, m[i].ptr, la), memcpy(joined + la, sp + 1, lb);
            cr_assert(find_piece(tok, n, m[i].ptr, la) >= 0 && find_piece(tok, n, sp + 1, lb) >= 0 &&
                          find_piece(tok, n, joined, la + lb) >= 0,
                      "merge '%.*s'", (int)m[i].len, m[i].ptr);
        }
        cr_assert_geq(find_piece(tok, n, "\xc4\x80", 2), 0);    /* byte 0 as U+0100 */
        cr_assert_geq(find_piece(tok, n, "\xc4\xa0the", 5), 0); /* " the" */
    } else {
        cr_assert(chord_gguf_str_eq(model, "llama"));
        uint64_t n_scores;
        const void *scores;
        must(chord_gguf_get_array(g, "tokenizer.ggml.scores", &et, &n_scores, &scores));
        cr_assert(et == CHORD_GGUF_FLOAT32 && n_scores == n);
        for (int b = 0; b < 256; b++) {
            char piece[8];
            snprintf(piece, sizeof piece, "<0x%02X>", b);
            int64_t id = find_piece(tok, n, piece, 6);
            int32_t ty;
            cr_assert_geq(id, 0, "%s", piece);
            memcpy(&ty, (const int32_t *)types + id, 4);
            cr_assert_eq(ty, 6, "%s is not of byte type", piece);
        }
        cr_assert_geq(find_piece(tok, n, "\xe2\x96\x81the", 6), 0);
    }
    int64_t bos = get_int(g, "tokenizer.ggml.bos_token_id"), eos = get_int(g, "tokenizer.ggml.eos_token_id");
    cr_assert(bos >= 0 && bos < n_vocab && eos >= 0 && eos < n_vocab && bos != eos);
    for (int k = 0; k < 2; k++) {
        int32_t ty;
        memcpy(&ty, (const int32_t *)types + (k ? eos : bos), 4);
        cr_assert_eq(ty, 3, "%s is not a control token", k ? "eos" : "bos");
    }
}

/* The file has the shape's keys, its tensors with llama.cpp's names and shapes, weights and tokenizer as above. */
static void check_model(const char *path, const chord_synth_shape *s, chord_type type, int64_t max_rows)
{
    chord_gguf *g;
    must(chord_gguf_open(path, &g));
    chord_gguf_str arch;
    must(chord_gguf_get_str(g, "general.architecture", &arch));
    cr_assert(chord_gguf_str_eq(arch, "llama"));
    int head_dim = s->n_embd / s->n_head, n_embd_kv = head_dim * s->n_head_kv;
    cr_assert_eq(get_int(g, "llama.embedding_length"), s->n_embd);
    cr_assert_eq(get_int(g, "llama.block_count"), s->n_layer);
    cr_assert_eq(get_int(g, "llama.feed_forward_length"), s->n_ff);
    cr_assert_eq(get_int(g, "llama.attention.head_count"), s->n_head);
    cr_assert_eq(get_int(g, "llama.attention.head_count_kv"), s->n_head_kv);
    cr_assert_eq(get_int(g, "llama.context_length"), s->n_ctx);
    cr_assert_eq(get_int(g, "llama.rope.dimension_count"), head_dim);
    double theta, eps;
    must(chord_gguf_get_float(g, "llama.rope.freq_base", &theta));
    must(chord_gguf_get_float(g, "llama.attention.layer_norm_rms_epsilon", &eps));
    cr_assert(theta == s->rope_theta && eps == s->norm_eps);
    cr_assert_eq(chord_gguf_n_tensors(g), 9 * s->n_layer + 2 + !s->tied_output);
    const struct {
        const char *name;
        int64_t ne0, ne1;
        int f32;
    } want[] = {{"attn_norm", s->n_embd, 1, 1},           {"attn_q", s->n_embd, s->n_embd, 0},
                {"attn_k", s->n_embd, n_embd_kv, 0},      {"attn_v", s->n_embd, n_embd_kv, 0},
                {"attn_output", s->n_embd, s->n_embd, 0}, {"ffn_norm", s->n_embd, 1, 1},
                {"ffn_gate", s->n_embd, s->n_ff, 0},      {"ffn_up", s->n_embd, s->n_ff, 0},
                {"ffn_down", s->n_ff, s->n_embd, 0}};
    for (int l = 0; l < s->n_layer; l++)
        for (int k = 0; k < 9; k++) {
            char name[64];
            snprintf(name, sizeof name, "blk.%d.%s.weight", l, want[k].name);
            const chord_gguf_tensor *t = chord_gguf_find_tensor(g, name);
            cr_assert_not_null(t, "%s missing", name);
            cr_assert(t->ne[0] == want[k].ne0 && t->ne[1] == want[k].ne1 && t->n_dims == (want[k].f32 ? 1 : 2),
                      "%s: [%lld, %lld]", name, (long long)t->ne[0], (long long)t->ne[1]);
            cr_assert_eq(t->type, want[k].f32 ? CHORD_TYPE_F32 : type, "%s type", name);
        }
    const chord_gguf_tensor *e = chord_gguf_find_tensor(g, "token_embd.weight"),
                            *o = chord_gguf_find_tensor(g, "output.weight"),
                            *on = chord_gguf_find_tensor(g, "output_norm.weight");
    cr_assert(e && on && e->ne[0] == s->n_embd && e->ne[1] == s->n_vocab && e->type == type);
    cr_assert(on->type == CHORD_TYPE_F32 && on->ne[0] == s->n_embd);
    if (s->tied_output)
        cr_assert_null(o);
    else
        cr_assert(o && o->ne[0] == s->n_embd && o->ne[1] == s->n_vocab && o->type == type);
    check_weights(g, max_rows);
    check_tokenizer(g, s->n_vocab);
    chord_gguf_close(g);
}

Test(synth, smollm2_135m_q4_1_validates)
{
    const chord_synth_shape *s = chord_synth_find_shape("smollm2-135m");
    cr_assert_not_null(s);
    char *path = tmp_path("smollm2");
    chord_synth_params p = {CHORD_TYPE_Q4_1, 7, 0};
    must(chord_synth_write(s, &p, path));
    check_model(path, s, CHORD_TYPE_Q4_1, 64);
    unlink(path);
}

Test(synth, every_type_and_vocab_small)
{
    /* tiny dims, each tokenizer family at a small vocab, every weight type */
    const chord_type types[] = {CHORD_TYPE_Q4_0, CHORD_TYPE_Q4_1, CHORD_TYPE_Q8_0, CHORD_TYPE_F16, CHORD_TYPE_F32};
    const chord_synth_vocab vocabs[] = {CHORD_SYNTH_VOCAB_CHATML, CHORD_SYNTH_VOCAB_LLAMA3, CHORD_SYNTH_VOCAB_LLAMA2};
    for (int v = 0; v < 3; v++)
        for (int t = 0; t < 5; t++) {
            chord_synth_shape s = *chord_synth_find_shape("tiny");
            s.vocab = vocabs[v];
            s.n_vocab = 1024;
            s.tied_output = v == 2;
            s.n_embd = 128;
            s.n_head = 4;
            s.n_head_kv = 1;
            chord_synth_params p = {types[t], (uint64_t)(v * 5 + t), 0};
            char *path = tmp_path("small");
            must(chord_synth_write(&s, &p, path));
            check_model(path, &s, types[t], 1 << 20);
            if (vocabs[v] == CHORD_SYNTH_VOCAB_LLAMA3) {
                chord_gguf *g;
                must(chord_gguf_open(path, &g));
                uint64_t n;
                const chord_gguf_str *tok;
                must(chord_gguf_get_str_array(g, "tokenizer.ggml.tokens", &n, &tok));
                cr_assert(chord_gguf_str_eq(tok[1024 - 256], "<|begin_of_text|>"));
                cr_assert(chord_gguf_str_eq(tok[1024 - 256 + 9], "<|eot_id|>"));
                cr_assert_eq(get_int(g, "tokenizer.ggml.bos_token_id"), 1024 - 256);
                chord_gguf_close(g);
            }
            unlink(path);
        }
}

Test(synth, deterministic_by_seed)
{
    const chord_synth_shape *s = chord_synth_find_shape("tiny");
    char a[256], b[256];
    snprintf(a, sizeof a, "%s", tmp_path("a"));
    snprintf(b, sizeof b, "%s", tmp_path("b"));
    chord_synth_params p = {CHORD_TYPE_Q8_0, 42, 0};
    must(chord_synth_write(s, &p, a));
    must(chord_synth_write(s, &p, b));
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = 1, ca, cb;
    do {
        ca = fgetc(fa), cb = fgetc(fb);
        same &= ca == cb;
    } while (ca != EOF && cb != EOF);
    fclose(fa), fclose(fb);
    cr_assert(same, "same seed, different bytes");
    p.seed = 43;
    must(chord_synth_write(s, &p, b));
    chord_gguf *ga, *gb;
    must(chord_gguf_open(a, &ga));
    must(chord_gguf_open(b, &gb));
    const chord_gguf_tensor *ta = chord_gguf_find_tensor(ga, "blk.1.ffn_down.weight"),
                            *tb = chord_gguf_find_tensor(gb, "blk.1.ffn_down.weight");
    cr_assert(ta->bytes == tb->bytes && memcmp(ta->data, tb->data, ta->bytes) != 0, "seed does not matter");
    chord_gguf_close(ga), chord_gguf_close(gb);
    unlink(a), unlink(b);
}

Test(synth, rejects_bad_shapes)
{
    chord_synth_shape s = *chord_synth_find_shape("tiny");
    chord_synth_params p = {CHORD_TYPE_Q4_0, 1, 0};
    char *path = tmp_path("bad");
    s.n_ff = 100;
    cr_assert_eq(chord_synth_write(&s, &p, path), CHORD_ERR_INVALID);
    cr_assert(strstr(chord_last_error(), "n_embd 64 and n_ff 100 must be multiples of 32 for q4_0"), "%s",
              chord_last_error());
    s.n_ff = 128;
    s.n_head_kv = 3;
    cr_assert_eq(chord_synth_write(&s, &p, path), CHORD_ERR_INVALID);
    cr_assert(strstr(chord_last_error(), "n_head 4, n_head_kv 3"), "%s", chord_last_error());
    s.n_head_kv = 2;
    s.n_vocab = 300;
    cr_assert_eq(chord_synth_write(&s, &p, path), CHORD_ERR_INVALID);
    cr_assert(strstr(chord_last_error(), "n_vocab 300 is too small for the tokenizer"), "%s", chord_last_error());
    p.type = CHORD_TYPE_Q6_K;
    s.n_vocab = 512;
    cr_assert_eq(chord_synth_write(&s, &p, path), CHORD_ERR_INVALID);
    cr_assert(strstr(chord_last_error(), "type q6_K is not one of"), "%s", chord_last_error());
    cr_assert_neq(access(path, F_OK), 0, "a failed synth left %s behind", path);
}

/* A real-looking header (hundreds of strings in arrays, every kind of key) cut at every length and with random
 * bytes changed never crashes the reader; each copy is allocated to its exact size so that an over-read would
 * leave the allocation (caught by ASan builds, or a fault near a page edge). */
Test(synth, header_truncations_and_flips_fail_cleanly)
{
    char *path = tmp_path("fuzz");
    chord_synth_params p = {CHORD_TYPE_Q4_0, 5, 0};
    must(chord_synth_write(chord_synth_find_shape("tiny"), &p, path));
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    size_t size = (size_t)ftell(f);
    rewind(f);
    uint8_t *file = malloc(size);
    cr_assert_eq(fread(file, 1, size, f), size);
    fclose(f);
    unlink(path);
    chord_gguf *g;
    must(chord_gguf_open_memory(file, size, &g));
    size_t header = chord_gguf_data_offset(g);
    chord_gguf_close(g);
    for (size_t n = 0; n < size; n += n < header ? 1 : 4093) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, file, n);
        g = NULL;
        chord_status s = chord_gguf_open_memory(copy, n, &g);
        cr_assert_eq(s, CHORD_ERR_FORMAT, "cut at %zu of %zu: %s", n, size, chord_status_name(s));
        cr_assert_null(g);
        free(copy);
    }
    uint64_t x = 0x2545f4914f6cdd1dull;
    for (int it = 0; it < 3000; it++) {
        uint8_t *copy = malloc(size);
        memcpy(copy, file, size);
        for (int k = 0; k < 2; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            copy[(x >> 8) % header] = (uint8_t)x;
        }
        g = NULL;
        chord_status s = chord_gguf_open_memory(copy, size, &g);
        cr_assert(s == CHORD_OK || s == CHORD_ERR_FORMAT || s == CHORD_ERR_UNSUPPORTED, "%s", chord_last_error());
        chord_gguf_close(g);
        free(copy);
    }
    free(file);
}
