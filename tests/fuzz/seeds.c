/* fuzz_seeds OUT_DIR DICT: writes the fuzz targets' seed corpora under OUT_DIR/seeds/<target>/ and the dictionary
 * OUT_DIR/gguf.dict (DICT's entries, plus each key as GGUF serializes it: u64 length, then the bytes).
 *   model:     synthetic models (chord_synth_write, what `chord gguf synth` runs) of each vocabulary family and
 *              weight type at 1 layer and n_embd 32, the `tiny` shape itself, and metadata variants of one of them
 *   gguf:      the models, plus crafted edge files: every value type, arrays of each and nested ones, general.alignment
 *              from 1 to 4096 and wrong ones, a tensor of every type chord reads, v2, header-only, unsupported type
 *   tokenizer: each family's tokenizer.* keys alone, followed by texts (NUL-separated segments), and small
 *              hand-made vocabularies (no token_type, user-defined pieces, empty and duplicate pieces, each pre)
 *   cli:       argv lists of every chord run option and of chord gguf / chord info
 * Everything is written by the library's own GGUF writer, so the seeds follow the reader the build has. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gguf.h"
#include "gguf_write.h"
#include "synth.h"

static const char *out_dir;
static int n_written;

static void die(const char *what)
{
    fprintf(stderr, "fuzz_seeds: %s: %s\n", what, chord_last_error());
    exit(1);
}

static void must(chord_status s, const char *what)
{
    if (s != CHORD_OK)
        die(what);
}

static void make_dir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "fuzz_seeds: mkdir %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

static void seed_path(char *buf, size_t size, const char *target, const char *name)
{
    snprintf(buf, size, "%s/seeds/%s/%s", out_dir, target, name);
}

static void write_bytes(const char *target, const char *name, const void *p, size_t n)
{
    char path[1024];
    seed_path(path, sizeof path, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "fuzz_seeds: cannot write %s\n", path);
        exit(1);
    }
    n_written++;
}

/* The writer's file, as bytes (the writer is freed). */
static uint8_t *finish(chord_gguf_writer *w, size_t *n)
{
    void *p;
    must(chord_gguf_write_memory(w, &p, n), "write_memory");
    chord_gguf_writer_free(w);
    return p;
}

static void write_file(const char *target, const char *name, chord_gguf_writer *w)
{
    size_t n;
    uint8_t *p = finish(w, &n);
    write_bytes(target, name, p, n);
    free(p);
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0) {
        fprintf(stderr, "fuzz_seeds: cannot read %s\n", path);
        exit(1);
    }
    *n = (size_t)ftell(f);
    rewind(f);
    uint8_t *p = malloc(*n ? *n : 1);
    if (!p || fread(p, 1, *n, f) != *n) {
        fprintf(stderr, "fuzz_seeds: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    return p;
}

/* ---- copies of a file with edits ---- */

/* Serialized size of a value of type t at p (validated by the reader already). */
static size_t value_size(const uint8_t *p, chord_gguf_vtype t)
{
    if (chord_gguf_vtype_size(t))
        return chord_gguf_vtype_size(t);
    uint64_t len;
    if (t == CHORD_GGUF_STRING) {
        memcpy(&len, p, 8);
        return 8 + (size_t)len;
    }
    uint32_t et;
    memcpy(&et, p, 4);
    memcpy(&len, p + 4, 8);
    size_t at = 12;
    for (uint64_t i = 0; i < len; i++)
        at += value_size(p + at, (chord_gguf_vtype)et);
    return at;
}

typedef struct {
    const char *keep_prefix;  /* only keys starting with this (NULL: all) */
    const char *drop[4];      /* and never these */
    const char *from, *to;    /* key prefix renamed */
    int tensors;              /* copy the tensors */
    int norms_f16;            /* and write the 1-D f32 ones (the norms) as f16 */
} edit;

/* Converted tensor data lives until the copy is written. */
static void *owned[256];
static int n_owned;

static void free_owned(void)
{
    while (n_owned)
        free(owned[--n_owned]);
}

static const void *as_f16(const chord_gguf_tensor *t)
{
    chord_f16 *h = malloc((size_t)t->ne[0] * sizeof *h);
    if (!h || n_owned == 256)
        die("no memory");
    for (int64_t i = 0; i < t->ne[0]; i++) {
        float f;
        memcpy(&f, (const uint8_t *)t->data + 4 * i, 4);
        h[i] = chord_f32_to_f16(f);
    }
    owned[n_owned++] = h;
    return h;
}

/* A writer holding src's keys (edited) and, when asked, its tensors (data pointing into src). */
static chord_gguf_writer *copy_of(const chord_gguf *src, const edit *e)
{
    chord_gguf_writer *w;
    must(chord_gguf_writer_create(&w), "writer");
    for (int64_t i = 0; i < chord_gguf_n_kv(src); i++) {
        chord_gguf_str k = chord_gguf_kv_key(src, i);
        char key[256], renamed[256];
        snprintf(key, sizeof key, "%.*s", (int)k.len, k.ptr);
        if (e->keep_prefix && strncmp(key, e->keep_prefix, strlen(e->keep_prefix)) != 0)
            continue;
        int dropped = 0;
        for (int d = 0; d < 4 && e->drop[d]; d++)
            dropped |= !strcmp(key, e->drop[d]);
        if (dropped)
            continue;
        if (e->from && !strncmp(key, e->from, strlen(e->from))) {
            snprintf(renamed, sizeof renamed, "%s%s", e->to, key + strlen(e->from));
            snprintf(key, sizeof key, "%s", renamed);
        }
        const chord_gguf_vtype t = chord_gguf_kv_type(src, i);
        const uint8_t *raw = chord_gguf_kv_raw(src, i);
        must(chord_gguf_set_raw(w, key, t, raw, value_size(raw, t)), key);
    }
    for (int64_t i = 0; e->tensors && i < chord_gguf_n_tensors(src); i++) {
        const chord_gguf_tensor *t = chord_gguf_tensor_at(src, i);
        if (e->norms_f16 && t->n_dims == 1 && t->type == CHORD_TYPE_F32)
            must(chord_gguf_add_tensor(w, t->name, CHORD_TYPE_F16, 1, t->ne, as_f16(t)), t->name);
        else
            must(chord_gguf_add_tensor(w, t->name, t->type, t->n_dims, t->ne, t->data), t->name);
    }
    return w;
}

/* ---- models ---- */

static chord_gguf *open_seed(const char *target, const char *name, uint8_t **bytes)
{
    char path[1024];
    size_t n;
    seed_path(path, sizeof path, target, name);
    *bytes = read_all(path, &n);
    chord_gguf *g;
    must(chord_gguf_open_memory(*bytes, n, &g), path);
    return g;
}

static void synth_model(const char *name, const chord_synth_shape *s, chord_type type)
{
    char path[1024];
    seed_path(path, sizeof path, "model", name);
    chord_synth_params p = {type, 1, 0};
    must(chord_synth_write(s, &p, path), name);
    n_written++;
}

static void models(void)
{
    static const struct { const char *name; chord_type type; } types[] = {
        {"q4_0", CHORD_TYPE_Q4_0}, {"q4_1", CHORD_TYPE_Q4_1}, {"q8_0", CHORD_TYPE_Q8_0}, {"f16", CHORD_TYPE_F16},
        {"f32", CHORD_TYPE_F32}};
    static const struct { const char *name; chord_synth_vocab vocab; int n_vocab, tied; } vocabs[] = {
        {"chatml", CHORD_SYNTH_VOCAB_CHATML, 512, 1},
        {"llama3", CHORD_SYNTH_VOCAB_LLAMA3, 1024, 1},
        {"llama2", CHORD_SYNTH_VOCAB_LLAMA2, 512, 0}};
    char name[128];
    for (size_t v = 0; v < 3; v++)
        for (size_t t = 0; t < 5; t++) {
            if (v > 0 && t != v) /* every type once with chatml; the other families once each */
                continue;
            chord_synth_shape s = *chord_synth_find_shape("tiny");
            s.n_embd = 32, s.n_layer = 1, s.n_head = 2, s.n_head_kv = 1, s.n_ff = 32;
            s.n_vocab = vocabs[v].n_vocab, s.vocab = vocabs[v].vocab, s.tied_output = vocabs[v].tied;
            snprintf(name, sizeof name, "synth-%s-%s.gguf", vocabs[v].name, types[t].name);
            synth_model(name, &s, types[t].type);
        }
    synth_model("synth-tiny-q4_0.gguf", chord_synth_find_shape("tiny"), CHORD_TYPE_Q4_0);

    /* metadata variants of the chatml q8_0 model: what read_hparams takes besides synth's keys */
    uint8_t *bytes;
    chord_gguf *g = open_seed("model", "synth-chatml-q8_0.gguf", &bytes);
    chord_gguf_writer *w;
    w = copy_of(g, &(edit){.drop = {"general.architecture"}, .from = "llama.", .to = "mistral.", .tensors = 1});
    must(chord_gguf_set_str(w, "general.architecture", "mistral"), "arch");
    write_file("model", "variant-mistral.gguf", w);
    w = copy_of(g, &(edit){.drop = {"llama.rope.dimension_count", "llama.context_length"}, .tensors = 1});
    must(chord_gguf_set_u32(w, "llama.rope.dimension_count", 8), "n_rot");
    must(chord_gguf_set_u32(w, "llama.attention.key_length", 16), "key_length");
    must(chord_gguf_set_u32(w, "llama.attention.value_length", 16), "value_length");
    must(chord_gguf_set_str(w, "llama.rope.scaling.type", "none"), "scaling");
    write_file("model", "variant-partial-rope.gguf", w);
    w = copy_of(g, &(edit){.drop = {"llama.attention.head_count_kv", "llama.rope.freq_base"}, .tensors = 1});
    double theta = 5e5;
    must(chord_gguf_set_scalar(w, "llama.rope.freq_base", CHORD_GGUF_FLOAT64, &theta), "theta");
    write_file("model", "variant-no-kv-heads.gguf", w);
    w = copy_of(g, &(edit){.drop = {"llama.block_count"}, .tensors = 1});
    uint64_t layers = 1;
    must(chord_gguf_set_scalar(w, "llama.block_count", CHORD_GGUF_UINT64, &layers), "block_count");
    must(chord_gguf_set_str(w, "llama.rope.scaling.type", "linear"), "scaling");
    write_file("model", "variant-u64-linear-rope.gguf", w);
    w = copy_of(g, &(edit){.tensors = 0});
    write_file("model", "variant-no-tensors.gguf", w);
    w = copy_of(g, &(edit){.tensors = 1, .norms_f16 = 1}); /* norms converted to f32 at load */
    write_file("model", "variant-f16-norms.gguf", w);
    free_owned();
    w = copy_of(g, &(edit){.tensors = 1});
    static const float freqs[8] = {1, 1, 1, 1, 2, 2, 4, 8};
    const int64_t ne_freqs[1] = {8};
    must(chord_gguf_add_tensor(w, "rope_freqs.weight", CHORD_TYPE_F32, 1, ne_freqs, freqs), "rope_freqs");
    write_file("model", "variant-rope-freqs.gguf", w);
    chord_gguf_close(g);
    free(bytes);
}

/* ---- edge files for the reader ---- */

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* A nested array value: depth levels of one-element arrays around an array of two i32. */
static size_t nested_value(uint8_t *p, int depth)
{
    if (depth == 0) {
        put_u32(p, CHORD_GGUF_INT32), put_u64(p + 4, 2), put_u32(p + 12, 7), put_u32(p + 16, (uint32_t)-7);
        return 20;
    }
    put_u32(p, CHORD_GGUF_ARRAY), put_u64(p + 4, 1);
    return 12 + nested_value(p + 12, depth - 1);
}

static void edge_values(void)
{
    chord_gguf_writer *w;
    must(chord_gguf_writer_create(&w), "writer");
    const uint64_t big = 0xfedcba9876543210ull; /* as i64 negative, as u64 above INT64_MAX */
    const double f64 = -1.5e300;
    const float f32 = 3.25f;
    static const char *const names[] = {"v.u8", "v.i8", "v.u16", "v.i16", "v.u32", "v.i32", "v.f32", "v.bool",
                                        NULL, NULL, "v.u64", "v.i64", "v.f64"};
    for (int t = 0; t < CHORD_GGUF_VTYPE_COUNT; t++) {
        if (!names[t])
            continue;
        const void *v = t == CHORD_GGUF_FLOAT32 ? (const void *)&f32 : t == CHORD_GGUF_FLOAT64 ? (const void *)&f64 : &big;
        must(chord_gguf_set_scalar(w, names[t], (chord_gguf_vtype)t, v), names[t]);
    }
    must(chord_gguf_set_str(w, "v.str", "a string \xe2\x96\x81 with \"quotes\" and \\ and \n"), "str");
    must(chord_gguf_set_str(w, "v.empty", ""), "empty");
    uint8_t arr[64];
    for (int i = 0; i < 64; i++)
        arr[i] = (uint8_t)(i * 37 + 1);
    char key[64];
    for (int t = 0; t < CHORD_GGUF_VTYPE_COUNT; t++) {
        if (!names[t])
            continue;
        snprintf(key, sizeof key, "a.%s", names[t] + 2);
        must(chord_gguf_set_array(w, key, (chord_gguf_vtype)t, arr, 64 / chord_gguf_vtype_size((chord_gguf_vtype)t)),
             key);
    }
    must(chord_gguf_set_array(w, "a.none", CHORD_GGUF_UINT8, arr, 0), "empty array");
    static const char *const strs[] = {"", "one", "two words", "\xe4\xb8\xad\xe6\x96\x87", ""};
    must(chord_gguf_set_str_array(w, "a.str", strs, 5), "str array");
    must(chord_gguf_set_str_array(w, "a.nostr", strs, 0), "empty str array");
    uint8_t nested[512];
    must(chord_gguf_set_raw(w, "a.nested", CHORD_GGUF_ARRAY, nested, nested_value(nested, 1)), "nested");
    must(chord_gguf_set_raw(w, "a.deep", CHORD_GGUF_ARRAY, nested, nested_value(nested, 7)), "deep");
    /* an array of two arrays of strings */
    size_t n = 0;
    put_u32(nested, CHORD_GGUF_ARRAY), put_u64(nested + 4, 2), n = 12;
    for (int k = 0; k < 2; k++) {
        put_u32(nested + n, CHORD_GGUF_STRING), put_u64(nested + n + 4, 1), n += 12;
        put_u64(nested + n, 3), memcpy(nested + n + 8, "abc", 3), n += 11;
    }
    must(chord_gguf_set_raw(w, "a.nested_str", CHORD_GGUF_ARRAY, nested, n), "nested str");
    const float data[4] = {1, 2, 3, 4};
    const int64_t ne[1] = {4};
    must(chord_gguf_add_tensor(w, "t", CHORD_TYPE_F32, 1, ne, data), "tensor");
    write_file("gguf", "edge-every-value.gguf", w);

    /* one level deeper than the reader takes */
    must(chord_gguf_writer_create(&w), "writer");
    must(chord_gguf_set_raw(w, "a.too_deep", CHORD_GGUF_ARRAY, nested, nested_value(nested, 8)), "too deep");
    write_file("gguf", "edge-too-deep.gguf", w);
}

/* A tensor of every type chord reads, in 1 to 4 dimensions, at the given alignment (0: the default). */
static void edge_tensors(uint32_t alignment, const char *name)
{
    chord_gguf_writer *w;
    must(chord_gguf_writer_create(&w), "writer");
    if (alignment)
        must(chord_gguf_writer_set_alignment(w, alignment), "alignment");
    static uint8_t data[4][1 << 14];
    int k = 0;
    for (int t = 0; t < CHORD_TYPE_COUNT; t++) {
        const chord_type_traits *tr = chord_type_info(t);
        if (!tr->block_size)
            continue;
        const int n_dims = 1 + k % 4;
        int64_t ne[4] = {tr->block_size, 1 + k % 3, 2, 1};
        char tname[64];
        snprintf(tname, sizeof tname, "blk.%d.%s.weight", k, tr->name);
        for (size_t i = 0; i < sizeof data[0]; i++)
            data[k % 4][i] = (uint8_t)(i * 131 + (size_t)t);
        must(chord_gguf_add_tensor(w, tname, (chord_type)t, n_dims, ne, data[k % 4]), tname);
        k++;
    }
    write_file("gguf", name, w);
}

static void edge_alignment(void)
{
    static const uint32_t good[] = {1, 8, 64, 4096};
    char name[64];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(name, sizeof name, "edge-alignment-%u.gguf", good[i]);
        edge_tensors(good[i], name);
    }
    edge_tensors(0, "edge-every-type.gguf");
    /* wrong ones: 0, not a power of two, not a u32 */
    const float data[8] = {0};
    const int64_t ne[1] = {8};
    for (int bad = 0; bad < 3; bad++) {
        chord_gguf_writer *w;
        must(chord_gguf_writer_create(&w), "writer");
        if (bad == 2)
            must(chord_gguf_set_u64(w, "general.alignment", 64), "u64 alignment");
        else
            must(chord_gguf_set_u32(w, "general.alignment", bad ? 48 : 0), "bad alignment");
        must(chord_gguf_add_tensor(w, "x", CHORD_TYPE_F32, 1, ne, data), "tensor");
        snprintf(name, sizeof name, "edge-alignment-bad-%d.gguf", bad);
        write_file("gguf", name, w);
    }
}

static void edge_headers(void)
{
    chord_gguf_writer *w;
    must(chord_gguf_writer_create(&w), "writer");
    write_file("gguf", "edge-header-only.gguf", w);
    /* version 2, and a tensor of a type chord does not read (iq2_xxs: CHORD_ERR_UNSUPPORTED) */
    must(chord_gguf_writer_create(&w), "writer");
    must(chord_gguf_set_str(w, "general.architecture", "llama"), "arch");
    const float data[32] = {0};
    const int64_t ne[1] = {32};
    must(chord_gguf_add_tensor(w, "x", CHORD_TYPE_F32, 1, ne, data), "tensor");
    size_t n;
    uint8_t *p = finish(w, &n);
    put_u32(p + 4, 2);
    write_bytes("gguf", "edge-v2.gguf", p, n);
    put_u32(p + 4, 3);
    for (size_t i = 24; i + 13 + 12 <= n; i++) /* tensor "x": u64 length 1, 'x', n_dims 1; then ne[0], type */
        if (!memcmp(p + i, "\x01\0\0\0\0\0\0\0x\x01\0\0\0", 13)) {
            put_u32(p + i + 13 + 8, 16);
            break;
        }
    write_bytes("gguf", "edge-unsupported-type.gguf", p, n);
    free(p);
}

/* ---- tokenizer ---- */

/* Bytes with NULs in them: a string literal and its size. */
typedef struct {
    const char *p;
    size_t n;
} bytes;
#define BYTES(lit) {lit, sizeof lit - 1}

static const bytes texts[] = {
    BYTES("Hello world! The model's token 123 4567.\n\nI'm sure you'll see they've 'd"),
    BYTES("<|im_start|>user\nhi there<|im_end|>\n<|im_start|>assistant\n\0system prompt"),
    BYTES("h\xc3\xa9llo w\xc3\xb6rld \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x8e\x89 \xff\xfe broken \xe2\x82  \t\n  x"),
    BYTES("<s>[INST] <<SYS>>\nbe brief\n<</SYS>>\n\nwhat? [/INST]\0\xd9\xa1\xd9\xa2 0123456789 <|begin_of_text|>")};

/* The vocabulary file (no tensors: its header ends the file) with each text after it. */
static void with_texts(const char *stem, chord_gguf_writer *w)
{
    size_t n;
    uint8_t *p = finish(w, &n);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        uint8_t *q = malloc(n + texts[i].n);
        if (!q)
            die("no memory");
        memcpy(q, p, n);
        memcpy(q + n, texts[i].p, texts[i].n);
        char name[128];
        snprintf(name, sizeof name, "%s-text%zu.gguf", stem, i);
        write_bytes("tokenizer", name, q, n + texts[i].n);
        free(q);
    }
    free(p);
}

static void vocab_of_models(void)
{
    static const char *const from[] = {"synth-chatml-q4_0.gguf", "synth-llama3-q4_1.gguf", "synth-llama2-q8_0.gguf"};
    static const char *const stem[] = {"vocab-chatml", "vocab-llama3", "vocab-llama2"};
    for (int i = 0; i < 3; i++) {
        uint8_t *bytes;
        chord_gguf *g = open_seed("model", from[i], &bytes);
        with_texts(stem[i], copy_of(g, &(edit){.keep_prefix = "tokenizer."}));
        chord_gguf_close(g);
        free(bytes);
    }
}

/* Small vocabularies with what synth's never has. */
static void vocab_small(void)
{
    /* an empty piece, a duplicate, user-defined ones (one longer than the decoder's 512-byte buffer), a
     * character outside GPT-2's byte map */
    const char *gpt2_tokens[] = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "h", "e", "l", "o", "\xc4\xa0",
                                 "w", "r", "d", "he", "ll", "hell", "hello", "\xc4\xa0w", "or", "\xc4\xa0wor", "ld",
                                 "\xc4\xa0world", "", "h", "<user>", "1", "2", "\xe4\xb8\xad", NULL};
    enum { n_long = 26 };
    static const int32_t gpt2_types[] = {3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 5, 1, 4, 1, 1, 1, 4};
    static const char *const merges[] = {"h e", "l l", "he ll", "hell o", "\xc4\xa0 w", "o r", "\xc4\xa0w or",
                                         "l d", "\xc4\xa0wor ld", "a b c", "1 2"};
    static const char *const pres[] = {"gpt2", "llama3", "smollm", "qwen2"};
    static const char *const templates[] = {
        ("{% if messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}"
         "{% endif %}{{ '<|im_start|>' + message['role'] + '\n' }}"),
        "{{ '<|start_header_id|>' + role + '<|end_header_id|>' }}", "{{ x }}", "<|user|>\n{{ content }}</s>"};
    char long_piece[700];
    memset(long_piece, 'z', sizeof long_piece - 1);
    long_piece[sizeof long_piece - 1] = 0;
    gpt2_tokens[n_long] = long_piece;
    const uint64_t n_tok = sizeof gpt2_tokens / sizeof gpt2_tokens[0];
    for (int k = 0; k < 4; k++) {
        chord_gguf_writer *w;
        must(chord_gguf_writer_create(&w), "writer");
        must(chord_gguf_set_str(w, "tokenizer.ggml.model", "gpt2"), "model");
        must(chord_gguf_set_str(w, "tokenizer.ggml.pre", pres[k]), "pre");
        must(chord_gguf_set_str_array(w, "tokenizer.ggml.tokens", gpt2_tokens, n_tok), "tokens");
        if (k != 1) /* without token_type: bos/eos/unk still recognized */
            must(chord_gguf_set_array(w, "tokenizer.ggml.token_type", CHORD_GGUF_INT32, gpt2_types, n_tok), "types");
        must(chord_gguf_set_str_array(w, "tokenizer.ggml.merges", merges, sizeof merges / sizeof merges[0]), "merges");
        must(chord_gguf_set_u32(w, "tokenizer.ggml.bos_token_id", 1), "bos");
        must(chord_gguf_set_i32(w, "tokenizer.ggml.eos_token_id", 2), "eos");
        must(chord_gguf_set_u32(w, "tokenizer.ggml.eot_token_id", 2), "eot");
        must(chord_gguf_set_bool(w, "tokenizer.ggml.add_bos_token", k & 1), "add_bos");
        must(chord_gguf_set_str(w, "tokenizer.chat_template", templates[k]), "template");
        char stem[64];
        snprintf(stem, sizeof stem, "small-gpt2-%s", pres[k]);
        with_texts(stem, w);
    }
    static const char *const spm_tokens[] = {"<unk>", "<s>", "</s>", "\xe2\x96\x81", "a", "b", ("\xe2\x96\x81" "a"),
                                             "ab", "<0x0A>", "<0x41>", "<0xFF>", "<|eot_id|>", "<0x4g>"};
    static const float scores[] = {0, 0, 0, -1, -2, -3, -1.5f, -0.5f, 0, 0, 0, 0, -9};
    static const int32_t spm_types[] = {2, 3, 3, 1, 1, 1, 1, 1, 6, 6, 6, 4, 1};
    const uint64_t n_spm = sizeof spm_tokens / sizeof spm_tokens[0];
    for (int k = 0; k < 2; k++) {
        chord_gguf_writer *w;
        must(chord_gguf_writer_create(&w), "writer");
        must(chord_gguf_set_str(w, "tokenizer.ggml.model", "llama"), "model");
        must(chord_gguf_set_str_array(w, "tokenizer.ggml.tokens", spm_tokens, n_spm), "tokens");
        if (k == 0) { /* the second has neither scores nor types, nor a prefix space */
            must(chord_gguf_set_array(w, "tokenizer.ggml.scores", CHORD_GGUF_FLOAT32, scores, n_spm), "scores");
            must(chord_gguf_set_array(w, "tokenizer.ggml.token_type", CHORD_GGUF_INT32, spm_types, n_spm), "types");
        } else {
            must(chord_gguf_set_bool(w, "tokenizer.ggml.add_space_prefix", 0), "prefix");
        }
        must(chord_gguf_set_str(w, "tokenizer.chat_template", "[INST] {{ x }} [/INST]"), "template");
        with_texts(k ? "small-spm-bare" : "small-spm", w);
    }
}

/* ---- cli ---- */

static void cli(void)
{
    static const bytes argvs[] = {
        BYTES("run\0-p\0Hello\0-n\0" "16\0--temp\0" "0.7\0--top-k\0" "40\0--top-p\0" "0.9\0--seed\0" "42"),
        BYTES("run\0-m\0model.gguf\0-p\0x\0-b\0ref\0--chat\0--system\0be brief\0--verify\0--json\0-q\0--profile"),
        BYTES("run\0--n-ctx\0" "512\0--n-batch\0" "8\0--repeat-penalty\0" "1.1\0--prompt\0p\0--backend\0vulkan:0"),
        BYTES("run\0--model\0m\0--n-predict\0" "0\0--seed\0" "0x10\0-p\0"),
        BYTES("run\0--help"), BYTES("run\0-x"), BYTES("run\0-p"), BYTES("run\0-n\0-1\0-p\0q"),
        BYTES("run\0--temp\0nan\0-p\0q"), BYTES("run\0--top-p\0" "1.5\0-p\0q"),
        BYTES("gguf\0info\0model.gguf\0--json"), BYTES("gguf\0info\0--help"), BYTES("gguf\0info"),
        BYTES("gguf\0info\0a\0b"), BYTES("gguf\0--help"),
        BYTES("gguf\0synth\0--shape\0tiny\0--type\0q8_0\0--seed\0" "7\0--layers\0" "3"),
        BYTES("gguf\0synth\0--help"), BYTES("gguf\0synth\0--shape\0nope\0--layers\0" "0"), BYTES("gguf\0bad"),
        BYTES("info"), BYTES("info\0--help"), BYTES("info\0-v")};
    for (size_t i = 0; i < sizeof argvs / sizeof argvs[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "argv-%02zu", i);
        write_bytes("cli", name, argvs[i].p, argvs[i].n);
    }
}

/* ---- dictionary ---- */

static void dictionary(const char *in_path)
{
    size_t n;
    uint8_t *in = read_all(in_path, &n);
    char path[1024];
    snprintf(path, sizeof path, "%s/gguf.dict", out_dir);
    FILE *f = fopen(path, "w");
    if (!f)
        die("cannot write the dictionary");
    fwrite(in, 1, n, f);
    fprintf(f, "\n# each key above as GGUF serializes it: u64 length, then the bytes (written by fuzz_seeds)\n");
    char *line = (char *)in;
    for (size_t at = 0; at < n;) {
        char *nl = memchr(line, '\n', n - at);
        size_t len = nl ? (size_t)(nl - line) : n - at;
        /* entries of the form "key.name" with no escapes */
        if (len > 2 && line[0] == '"' && line[len - 1] == '"' && !memchr(line, '\\', len) &&
            memchr(line, '.', len)) {
            fprintf(f, "\"");
            const size_t klen = len - 2;
            for (int b = 0; b < 8; b++)
                fprintf(f, "\\x%02x", (unsigned)((uint64_t)klen >> (8 * b)) & 0xff);
            fprintf(f, "%.*s\"\n", (int)klen, line + 1);
        }
        at += len + 1;
        line += len + 1;
    }
    if (fclose(f) != 0)
        die("cannot write the dictionary");
    free(in);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz_seeds OUT_DIR DICT\n");
        return 2;
    }
    out_dir = argv[1];
    char path[1024];
    make_dir(out_dir);
    snprintf(path, sizeof path, "%s/seeds", out_dir);
    make_dir(path);
    static const char *const targets[] = {"gguf", "tokenizer", "model", "cli"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/seeds/%s", out_dir, targets[i]);
        make_dir(path);
    }
    models();
    edge_values();
    edge_alignment();
    edge_headers();
    vocab_of_models();
    vocab_small();
    cli();
    dictionary(argv[2]);
    printf("fuzz_seeds: %d seed files and %s/gguf.dict\n", n_written, out_dir);
    return 0;
}
