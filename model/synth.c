/* Synthetic Llama GGUF files. Weights: each tensor has its own RNG stream (seeded from the seed and its index) so
 * the bytes do not depend on chunking; a weight of input width n gets values of standard deviation 1/sqrt(n), so a
 * matmul of an O(1) vector stays O(1) through every layer. Quant blocks take their scale from a 256-entry table of
 * f16 values around that size (a random byte picks one) and random bytes for the quants: cheap enough that a 7B
 * file is limited by the disk. The tokenizer is a few hundred real pieces (bytes, specials, merges built from a word
 * list) padded with unreachable filler pieces to the shape's vocab size. */
#include "synth.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gguf_write.h"

static const chord_synth_shape shapes[] = {
    /* name           embd  layer head kv  ff     vocab   ctx     theta     eps   tied vocab */
    {"llama2-7b", 4096, 32, 32, 32, 11008, 32000, 4096, 10000.0f, 1e-5f, 0, CHORD_SYNTH_VOCAB_LLAMA2},
    {"llama-1b", 2048, 16, 32, 8, 8192, 128256, 131072, 500000.0f, 1e-5f, 1, CHORD_SYNTH_VOCAB_LLAMA3},
    {"smollm2-135m", 576, 30, 9, 3, 1536, 49152, 8192, 100000.0f, 1e-5f, 1, CHORD_SYNTH_VOCAB_CHATML},
    {"tiny", 64, 2, 4, 2, 128, 512, 512, 10000.0f, 1e-5f, 1, CHORD_SYNTH_VOCAB_CHATML},
};

const chord_synth_shape *chord_synth_shapes(int *n)
{
    *n = (int)(sizeof shapes / sizeof shapes[0]);
    return shapes;
}

const chord_synth_shape *chord_synth_find_shape(const char *name)
{
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        if (!strcmp(shapes[i].name, name))
            return &shapes[i];
    return NULL;
}

/* ---- random numbers: wyrand (one multiply per 64 bits), seeded through splitmix64 ---- */

typedef struct {
    uint64_t s;
} rng;

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static inline uint64_t rng_next(rng *r)
{
    r->s += 0xa0761d6478bd642full;
    __uint128_t t = (__uint128_t)r->s * (r->s ^ 0xe7037ed1a0b428dbull);
    return (uint64_t)(t >> 64) ^ (uint64_t)t;
}

static float rng_unit(rng *r) /* [0, 1) */ { return (float)(rng_next(r) >> 40) * (1.0f / 16777216.0f); }

/* ---- tensor data ---- */

/* What a random byte selects: the scale (and min) of a quant block, or an f16/f32 value. */
typedef struct {
    chord_type type;
    chord_f16 d[256], m[256];
    float f[256];
} value_table;

/* std: the values' standard deviation; norm: values near 1 instead of around 0.
 * The mean must be 0, not just small: a bias b shared by a whole weight adds b * sum(x) to every output, which
 * grows with the width (7B logits came out with rms ~7 from q4_0's -0.5 d). So the second half of each table is
 * the first half negated (q4_0 and q8_0 scales too, as ggml's q4_0 quantizer makes negative d half the time),
 * and q4_1's min is exactly -7.5 d. */
static void make_table(value_table *t, chord_type type, float std, int norm, rng *r)
{
    t->type = type;
    for (int i = 0; i < 128; i++) {
        float jitter = 0.75f + 0.5f * rng_unit(r), a, b; /* entries i and i + 128 */
        switch (type) {
        case CHORD_TYPE_Q4_0: /* q - 8 uniform on [-8, 7]: std ~4.6 */ a = std / 4.6f * jitter, b = -a; break;
        case CHORD_TYPE_Q8_0: /* q uniform on [-128, 127]: std ~73.9 */ a = std / 73.9f * jitter, b = -a; break;
        case CHORD_TYPE_Q4_1: /* d * q + m with m = -7.5 d: centred by m; d > 0 as ggml writes it */
            a = std / 4.6f * jitter, b = std / 4.6f * (0.75f + 0.5f * rng_unit(r));
            break;
        default: /* f16 / f32: uniform on [-sqrt(3) std, sqrt(3) std], or 1 +- 0.1 for norms */
            if (norm)
                a = 0.8f + 0.2f * jitter, b = 0.9f + 0.2f * rng_unit(r);
            else
                a = std * 1.7320508f * (jitter - 0.75f) * 2.0f, b = -a;
            break;
        }
        t->f[i] = a, t->f[i + 128] = b;
        t->d[i] = chord_f32_to_f16(a), t->d[i + 128] = chord_f32_to_f16(b);
        t->m[i] = chord_f32_to_f16(-7.5f * chord_f16_to_f32(t->d[i]));
        t->m[i + 128] = chord_f32_to_f16(-7.5f * chord_f16_to_f32(t->d[i + 128]));
    }
}

/* Fills n units (blocks for quant types, values otherwise) at out. */
static void fill(const value_table *t, uint8_t *out, uint64_t n, rng *r)
{
    uint64_t x = 0;
    switch (t->type) {
    case CHORD_TYPE_Q4_0:
        for (chord_block_q4_0 *b = (chord_block_q4_0 *)out; n--; b++) {
            b->d = t->d[rng_next(r) & 255];
            x = rng_next(r), memcpy(b->qs, &x, 8);
            x = rng_next(r), memcpy(b->qs + 8, &x, 8);
        }
        break;
    case CHORD_TYPE_Q4_1:
        for (chord_block_q4_1 *b = (chord_block_q4_1 *)out; n--; b++) {
            unsigned k = rng_next(r) & 255;
            b->d = t->d[k];
            b->m = t->m[k];
            x = rng_next(r), memcpy(b->qs, &x, 8);
            x = rng_next(r), memcpy(b->qs + 8, &x, 8);
        }
        break;
    case CHORD_TYPE_Q8_0:
        for (chord_block_q8_0 *b = (chord_block_q8_0 *)out; n--; b++) {
            b->d = t->d[rng_next(r) & 255];
            for (int j = 0; j < 32; j += 8)
                x = rng_next(r), memcpy(b->qs + j, &x, 8);
        }
        break;
    case CHORD_TYPE_F16: {
        chord_f16 *h = (chord_f16 *)out;
        for (uint64_t i = 0; i < n; i++, x >>= 8)
            h[i] = t->d[((i & 7) ? x : (x = rng_next(r))) & 255];
        break;
    }
    default: {
        float *f = (float *)out;
        for (uint64_t i = 0; i < n; i++, x >>= 8)
            f[i] = t->f[((i & 7) ? x : (x = rng_next(r))) & 255];
        break;
    }
    }
}

/* ---- tokenizer ---- */

#define TOK_LEN 48
enum { TT_NORMAL = 1, TT_UNKNOWN = 2, TT_CONTROL = 3, TT_BYTE = 6 };

typedef struct {
    char (*tok)[TOK_LEN];
    int32_t *type;
    float *score;
    int n, cap;
    char (*merge)[2 * TOK_LEN];
    int n_merge, cap_merge;
} vocab;

static int add_tok(vocab *v, const char *s, int type, float score)
{
    if (v->n >= v->cap)
        return -1;
    snprintf(v->tok[v->n], TOK_LEN, "%s", s);
    v->type[v->n] = type;
    v->score[v->n] = score;
    return v->n++;
}

static int find_tok(const vocab *v, int from, const char *s)
{
    for (int i = from; i < v->n; i++)
        if (!strcmp(v->tok[i], s))
            return i;
    return -1;
}

static const char *const words[] = {" the",  " of",    " and",   " to",    " in",  " is",  " you",  " that",
                                    " it",   " he",    " was",   " for",   " on",  " are", " with", " as",
                                    " I",    " his",   " they",  " be",    " at",  " one", " have", " this",
                                    " from", " hello", " world", " Hello", " The", "ing",  "ed",    "er",
                                    "es",    " chord", " model", " token", ".\n",  "\n\n"};

/* GPT-2's byte-to-unicode map: printable bytes stand for themselves, the rest for U+0100 onwards; as UTF-8. */
static void gpt2_byte(int b, char out[4])
{
    int cp = b;
    if (!((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174)) {
        int k = 0;
        for (int c = 0; c < b; c++)
            k += !((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || c >= 174);
        cp = 256 + k;
    }
    if (cp < 128)
        out[0] = (char)cp, out[1] = 0;
    else
        out[0] = (char)(0xc0 | cp >> 6), out[1] = (char)(0x80 | (cp & 63)), out[2] = 0;
}

/* Merges that build each word left to right (GPT-2 style); the pieces for SPM. sym(c) spells one byte. */
static void add_words(vocab *v, int first_piece, int spm)
{
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        const char *word = words[w];
        if (spm && strchr(word, '\n'))
            continue; /* SPM spells newlines with byte fallback */
        char cur[TOK_LEN] = "", sym[8];
        for (const char *c = word; *c; c++) {
            if (spm)
                strcpy(sym, *c == ' ' ? "\xe2\x96\x81" : (char[]){*c, 0});
            else
                gpt2_byte((unsigned char)*c, sym);
            const size_t lc = strlen(cur), ls = strlen(sym);
            if (lc + ls >= TOK_LEN)
                break; /* no piece longer than a vocab entry holds */
            char next[TOK_LEN];
            memcpy(next, cur, lc);
            memcpy(next + lc, sym, ls + 1);
            if (*cur && find_tok(v, first_piece, next) < 0 && v->n < v->cap) {
                if (!spm && v->n_merge < v->cap_merge)
                    snprintf(v->merge[v->n_merge++], 2 * TOK_LEN, "%s %s", cur, sym);
                add_tok(v, next, TT_NORMAL, -(float)(v->n - first_piece));
            }
            strcpy(cur, next);
        }
    }
}

static const char *const llama3_specials[] = {"<|begin_of_text|>",
                                              "<|end_of_text|>",
                                              "<|reserved_special_token_0|>",
                                              "<|reserved_special_token_1|>",
                                              "<|finetune_right_pad_id|>",
                                              "<|reserved_special_token_2|>",
                                              "<|start_header_id|>",
                                              "<|end_header_id|>",
                                              "<|eom_id|>",
                                              "<|eot_id|>",
                                              "<|python_tag|>"};

static const char chatml_template[] = /* SmolLM2's, without its default system prompt: real newlines, as there */
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + "
    "'\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
static const char llama3_template[] =
    "{{- bos_token }}{% for message in messages %}{{- '<|start_header_id|>' + message['role'] + "
    "'<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt "
    "%}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
static const char llama2_template[] =
    "{% for message in messages %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + message['content'] + "
    "' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] + ' ' + eos_token }}{% endif "
    "%}{% endfor %}";

/* Builds the vocab for the shape and sets every tokenizer.ggml.* key. */
static chord_status add_tokenizer(chord_gguf_writer *w, const chord_synth_shape *s)
{
    vocab v = {0};
    v.cap = s->n_vocab;
    v.cap_merge = 512;
    v.tok = calloc((size_t)v.cap, sizeof *v.tok);
    v.type = calloc((size_t)v.cap, sizeof *v.type);
    v.score = calloc((size_t)v.cap, sizeof *v.score);
    v.merge = calloc((size_t)v.cap_merge, sizeof *v.merge);
    const char **ptrs = calloc((size_t)v.cap, sizeof *ptrs);
    chord_status st = CHORD_OK;
    if (!v.tok || !v.type || !v.score || !v.merge || !ptrs) {
        st = chord_fail(CHORD_ERR_NOMEM, "synth: no memory for a vocab of %d", s->n_vocab);
        goto done;
    }
    int bos, eos, unk = -1, n_special_end = 0;
    char piece[16];
    if (s->vocab == CHORD_SYNTH_VOCAB_LLAMA2) {
        unk = add_tok(&v, "<unk>", TT_UNKNOWN, 0);
        bos = add_tok(&v, "<s>", TT_CONTROL, 0);
        eos = add_tok(&v, "</s>", TT_CONTROL, 0);
        for (int b = 0; b < 256; b++) {
            snprintf(piece, sizeof piece, "<0x%02X>", b);
            add_tok(&v, piece, TT_BYTE, 0);
        }
        const char *chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'";
        add_tok(&v, "\xe2\x96\x81", TT_NORMAL, -1000);
        for (const char *c = chars; *c; c++)
            add_tok(&v, (char[]){*c, 0}, TT_NORMAL, -1000 - (float)(c - chars));
        add_words(&v, 259, 1);
    } else {
        if (s->vocab == CHORD_SYNTH_VOCAB_CHATML) {
            unk = add_tok(&v, "<|endoftext|>", TT_CONTROL, 0);
            bos = add_tok(&v, "<|im_start|>", TT_CONTROL, 0);
            eos = add_tok(&v, "<|im_end|>", TT_CONTROL, 0);
        } else {
            n_special_end = 256; /* Llama 3 keeps 256 special ids at the top: 128000.. for the real vocab */
            bos = s->n_vocab - 256;
            eos = bos + 9;
        }
        int first = v.n;
        for (int b = 0; b < 256; b++) {
            gpt2_byte(b, piece);
            add_tok(&v, piece, TT_NORMAL, 0);
        }
        add_words(&v, first + 256, 0);
    }
    if (v.n + n_special_end + 16 > s->n_vocab) {
        st = chord_fail(CHORD_ERR_INVALID, "synth: shape '%s': n_vocab %d is too small for the tokenizer (%d pieces)",
                        s->name, s->n_vocab, v.n + n_special_end + 16);
        goto done;
    }
    char fill[TOK_LEN];
    while (v.n < s->n_vocab - n_special_end) {
        snprintf(fill, sizeof fill, "[t%d]", v.n); /* no merge or piece reaches these */
        add_tok(&v, fill, TT_NORMAL, -1e6f);
    }
    for (int k = 0; k < n_special_end; k++) {
        if (k < (int)(sizeof llama3_specials / sizeof llama3_specials[0]))
            snprintf(fill, sizeof fill, "%s", llama3_specials[k]);
        else
            snprintf(fill, sizeof fill, "<|reserved_special_token_%d|>", k - 8);
        add_tok(&v, fill, TT_CONTROL, 0);
    }
    for (int i = 0; i < v.n; i++)
        ptrs[i] = v.tok[i];
    int spm = s->vocab == CHORD_SYNTH_VOCAB_LLAMA2;
    st = chord_gguf_set_str(w, "tokenizer.ggml.model", spm ? "llama" : "gpt2");
    if (!st)
        st = chord_gguf_set_str(w, "tokenizer.ggml.pre",
                                spm                                    ? "default"
                                : s->vocab == CHORD_SYNTH_VOCAB_LLAMA3 ? "llama-bpe"
                                                                       : "smollm");
    if (!st)
        st = chord_gguf_set_str_array(w, "tokenizer.ggml.tokens", ptrs, (uint64_t)v.n);
    if (!st && spm)
        st = chord_gguf_set_array(w, "tokenizer.ggml.scores", CHORD_GGUF_FLOAT32, v.score, (uint64_t)v.n);
    if (!st)
        st = chord_gguf_set_array(w, "tokenizer.ggml.token_type", CHORD_GGUF_INT32, v.type, (uint64_t)v.n);
    if (!st && !spm) {
        for (int i = 0; i < v.n_merge; i++)
            ptrs[i] = v.merge[i];
        st = chord_gguf_set_str_array(w, "tokenizer.ggml.merges", ptrs, (uint64_t)v.n_merge);
    }
    if (!st)
        st = chord_gguf_set_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)bos);
    if (!st)
        st = chord_gguf_set_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)eos);
    if (!st && unk >= 0)
        st = chord_gguf_set_u32(w, "tokenizer.ggml.unknown_token_id", (uint32_t)unk);
    if (!st)
        st = chord_gguf_set_bool(w, "tokenizer.ggml.add_bos_token", s->vocab != CHORD_SYNTH_VOCAB_CHATML);
    if (!st)
        st = chord_gguf_set_bool(w, "tokenizer.ggml.add_space_prefix", spm);
    if (!st)
        st = chord_gguf_set_str(w, "tokenizer.chat_template",
                                spm                                    ? llama2_template
                                : s->vocab == CHORD_SYNTH_VOCAB_LLAMA3 ? llama3_template
                                                                       : chatml_template);
done:
    free(v.tok);
    free(v.type);
    free(v.score);
    free(v.merge);
    free(ptrs);
    return st;
}

/* ---- the file ---- */

typedef struct {
    char name[64];
    int64_t ne[2];
    int n_dims;
    chord_type type;
    int norm;
} tensor_plan;

static int file_type_of(chord_type t) /* llama.cpp's llama_ftype for an all-one-type model */
{
    switch (t) {
    case CHORD_TYPE_F32: return 0;
    case CHORD_TYPE_F16: return 1;
    case CHORD_TYPE_Q4_0: return 2;
    case CHORD_TYPE_Q4_1: return 3;
    case CHORD_TYPE_Q8_0: return 7;
    default: return -1;
    }
}

static chord_status check_shape(const chord_synth_shape *s, chord_type type)
{
    if (file_type_of(type) < 0)
        return chord_fail(CHORD_ERR_INVALID, "synth: type %s is not one of q4_0, q4_1, q8_0, f16, f32",
                          chord_type_info((int)type)->name);
    int bs = chord_type_info((int)type)->block_size;
    if (s->n_embd <= 0 || s->n_layer <= 0 || s->n_head <= 0 || s->n_head_kv <= 0 || s->n_ff <= 0 || s->n_vocab <= 0 ||
        s->n_ctx <= 0)
        return chord_fail(CHORD_ERR_INVALID, "synth: shape '%s' has a non-positive size", s->name);
    if (s->n_embd % s->n_head || s->n_head % s->n_head_kv || (s->n_embd / s->n_head) % 2)
        return chord_fail(CHORD_ERR_INVALID,
                          "synth: shape '%s': n_embd %d, n_head %d, n_head_kv %d must give an even head_dim and "
                          "n_head a multiple of n_head_kv",
                          s->name, s->n_embd, s->n_head, s->n_head_kv);
    if (s->n_embd % bs || s->n_ff % bs)
        return chord_fail(CHORD_ERR_INVALID, "synth: shape '%s': n_embd %d and n_ff %d must be multiples of %d for %s",
                          s->name, s->n_embd, s->n_ff, bs, chord_type_info((int)type)->name);
    return CHORD_OK;
}

static int plan_tensors(const chord_synth_shape *s, chord_type type, tensor_plan *p)
{
    int n = 0, n_embd_kv = s->n_embd / s->n_head * s->n_head_kv;
#define ADD(nm, a, b, dims, ty, nrm)                                                                      \
    (snprintf(p[n].name, sizeof p[n].name, "%s", nm), p[n].ne[0] = a, p[n].ne[1] = b, p[n].n_dims = dims, \
     p[n].type = ty, p[n].norm = nrm, n++)
    ADD("token_embd.weight", s->n_embd, s->n_vocab, 2, type, 0);
    static const struct {
        const char *suffix;
        int in, out, norm;
    } blk[] = {{"attn_norm", 0, -1, 1}, {"attn_q", 0, 0, 0},      {"attn_k", 0, 2, 0},
               {"attn_v", 0, 2, 0},     {"attn_output", 0, 0, 0}, {"ffn_norm", 0, -1, 1},
               {"ffn_gate", 0, 1, 0},   {"ffn_up", 0, 1, 0},      {"ffn_down", 1, 0, 0}};
    const int dim[3] = {s->n_embd, s->n_ff, n_embd_kv};
    for (int l = 0; l < s->n_layer; l++)
        for (int k = 0; k < 9; k++) {
            char name[64];
            snprintf(name, sizeof name, "blk.%d.%s.weight", l, blk[k].suffix);
            if (blk[k].norm)
                ADD(name, s->n_embd, 1, 1, CHORD_TYPE_F32, 1);
            else
                ADD(name, dim[blk[k].in], dim[blk[k].out], 2, type, 0);
        }
    ADD("output_norm.weight", s->n_embd, 1, 1, CHORD_TYPE_F32, 1);
    if (!s->tied_output)
        ADD("output.weight", s->n_embd, s->n_vocab, 2, type, 0);
#undef ADD
    return n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void progress(double t0, double *last, uint64_t done, uint64_t total, const char *name, int final)
{
    double t = now_s();
    if (!final && t - *last < (isatty(2) ? 0.5 : 5.0)) /* a log gets a line every 5 s, a terminal a live line */
        return;
    *last = t;
    const double gib = 1024.0 * 1024.0 * 1024.0;
    fprintf(stderr, "\rsynth: %5.1f%%  %.2f / %.2f GiB  %.1f s  %-28s%s", 100.0 * (double)done / (double)total,
            (double)done / gib, (double)total / gib, t - t0, final ? "done" : name, final || !isatty(2) ? "\n" : "");
    fflush(stderr);
}

static chord_status write_tensors(chord_gguf_writer *w, const chord_synth_params *p, const tensor_plan *plan, int n,
                                  FILE *f, uint64_t total)
{
    enum { CHUNK = 4 << 20 };
    uint8_t *buf = malloc(CHUNK);
    if (!buf)
        return chord_fail(CHORD_ERR_NOMEM, "synth: no memory for the write buffer");
    double t0 = now_s(), last = t0;
    uint64_t done = chord_gguf_writer_data_offset(w);
    chord_status st = chord_gguf_write_begin(w, f);
    for (int i = 0; i < n && st == CHORD_OK; i++) {
        const tensor_plan *t = &plan[i];
        const chord_type_traits *tr = chord_type_info((int)t->type);
        rng r = {splitmix64(p->seed ^ splitmix64((uint64_t)i + 1))};
        value_table tab;
        make_table(&tab, t->type, 1.0f / sqrtf((float)t->ne[0]), t->norm, &r);
        uint64_t units = (uint64_t)t->ne[0] * (uint64_t)t->ne[1] / (uint64_t)tr->block_size;
        uint64_t per_chunk = CHUNK / tr->type_size;
        for (uint64_t u = 0; u < units && st == CHORD_OK; u += per_chunk) {
            uint64_t k = units - u < per_chunk ? units - u : per_chunk;
            fill(&tab, buf, k, &r);
            st = chord_gguf_write_data(w, buf, (size_t)(k * tr->type_size));
            done += k * tr->type_size;
            if (p->progress)
                progress(t0, &last, done, total, t->name, 0);
        }
    }
    if (st == CHORD_OK)
        st = chord_gguf_write_end(w);
    if (st == CHORD_OK && p->progress)
        progress(t0, &last, total, total, "", 1);
    free(buf);
    return st;
}

chord_status chord_synth_write(const chord_synth_shape *s, const chord_synth_params *p, const char *path)
{
    CHORD_TRY(check_shape(s, p->type));
    int max_tensors = 9 * s->n_layer + 3;
    tensor_plan *plan = calloc((size_t)max_tensors, sizeof *plan);
    chord_gguf_writer *w = NULL;
    if (!plan)
        return chord_fail(CHORD_ERR_NOMEM, "synth: no memory for %d tensor plans", max_tensors);
    int n = plan_tensors(s, p->type, plan);
    char name[128];
    snprintf(name, sizeof name, "chord synth %s %s seed %llu", s->name, chord_type_info((int)p->type)->name,
             (unsigned long long)p->seed);
    chord_status st = chord_gguf_writer_create(&w);
#define SET(call)       \
    if (st == CHORD_OK) \
    st = (call)
    SET(chord_gguf_set_str(w, "general.architecture", "llama"));
    SET(chord_gguf_set_str(w, "general.type", "model"));
    SET(chord_gguf_set_str(w, "general.name", name));
    SET(chord_gguf_set_u32(w, "llama.block_count", (uint32_t)s->n_layer));
    SET(chord_gguf_set_u32(w, "llama.context_length", (uint32_t)s->n_ctx));
    SET(chord_gguf_set_u32(w, "llama.embedding_length", (uint32_t)s->n_embd));
    SET(chord_gguf_set_u32(w, "llama.feed_forward_length", (uint32_t)s->n_ff));
    SET(chord_gguf_set_u32(w, "llama.attention.head_count", (uint32_t)s->n_head));
    SET(chord_gguf_set_u32(w, "llama.attention.head_count_kv", (uint32_t)s->n_head_kv));
    SET(chord_gguf_set_f32(w, "llama.rope.freq_base", s->rope_theta));
    SET(chord_gguf_set_f32(w, "llama.attention.layer_norm_rms_epsilon", s->norm_eps));
    SET(chord_gguf_set_u32(w, "general.file_type", (uint32_t)file_type_of(p->type)));
    SET(chord_gguf_set_u32(w, "llama.vocab_size", (uint32_t)s->n_vocab));
    SET(chord_gguf_set_u32(w, "llama.rope.dimension_count", (uint32_t)(s->n_embd / s->n_head)));
    SET(add_tokenizer(w, s));
    SET(chord_gguf_set_u32(w, "general.quantization_version", 2));
    for (int i = 0; i < n; i++)
        SET(chord_gguf_add_tensor(w, plan[i].name, plan[i].type, plan[i].n_dims, plan[i].ne, NULL));
#undef SET
    if (st == CHORD_OK) {
        FILE *f = fopen(path, "wb");
        if (!f) {
            st = chord_fail(CHORD_ERR_IO, "synth: cannot create '%s': %s", path, strerror(errno));
        } else {
            st = write_tensors(w, p, plan, n, f, chord_gguf_writer_file_size(w));
            if (fclose(f) != 0 && st == CHORD_OK)
                st = chord_fail(CHORD_ERR_IO, "synth: closing '%s' failed: %s", path, strerror(errno));
            if (st != CHORD_OK)
                remove(path); /* no half-written model left behind */
        }
    }
    chord_gguf_writer_free(w);
    free(plan);
    return st;
}
