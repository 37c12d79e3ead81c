/* GGUF reader, writer and synthetic models. Faulty files are made from a valid written one by patching bytes at
 * offsets found in it (the tensor or key name's serialized string, then the fields that follow it), so each test
 * changes exactly one thing and checks both the status and the message. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gguf.h"
#include "gguf_write.h"

typedef struct {
    uint8_t *p;
    size_t n;
} blob;

static void must(chord_status s) { cr_assert_eq(s, CHORD_OK, "%s: %s", chord_status_name(s), chord_last_error()); }

/* Offset just past the serialized GGUF string s (u64 length + bytes): where its tensor info or kv type starts. */
static size_t after_str(blob b, const char *s)
{
    uint64_t len = strlen(s);
    uint8_t pat[256];
    memcpy(pat, &len, 8);
    memcpy(pat + 8, s, (size_t)len);
    size_t n = 8 + (size_t)len;
    for (size_t i = 0; i + n <= b.n; i++)
        if (!memcmp(b.p + i, pat, n))
            return i + n;
    cr_assert_fail("'%s' not found in the file", s);
    return 0;
}

static void put32(blob b, size_t at, uint32_t v) { memcpy(b.p + at, &v, 4); }
static void put64(blob b, size_t at, uint64_t v) { memcpy(b.p + at, &v, 8); }

static float f32_data[8] = {1, -2, 3.5f, 0, 1e-3f, -7, 8, 9};
static chord_block_q4_0 q4_data[2];

/* The writer's file in memory (the writer is freed); its size matches what the writer said it would be. */
static blob written(chord_gguf_writer *w)
{
    blob b;
    void *p;
    must(chord_gguf_write_memory(w, &p, &b.n));
    b.p = p;
    cr_assert_eq(b.n, chord_gguf_writer_file_size(w));
    chord_gguf_writer_free(w);
    return b;
}

/* The small valid file's writer: a few keys of different types, three tensors (f32 2-D, q4_0 2-D, f32 1-D),
 * their data given here, or NULL to be streamed after the header. */
static chord_gguf_writer *base_writer(int with_data)
{
    chord_gguf_writer *w;
    must(chord_gguf_writer_create(&w));
    must(chord_gguf_set_str(w, "general.architecture", "llama"));
    must(chord_gguf_set_u32(w, "dup.a", 1));
    must(chord_gguf_set_u32(w, "dup.b", 2));
    uint32_t arr[3] = {10, 20, 30};
    must(chord_gguf_set_array(w, "t.arr", CHORD_GGUF_UINT32, arr, 3));
    const char *strs[] = {"x", "yy"};
    must(chord_gguf_set_str_array(w, "t.strs", strs, 2));
    int64_t ne_a[2] = {4, 2}, ne_b[2] = {32, 2}, ne_c[1] = {8};
    must(chord_gguf_add_tensor(w, "w.a", CHORD_TYPE_F32, 2, ne_a, with_data ? f32_data : NULL));
    must(chord_gguf_add_tensor(w, "w.b", CHORD_TYPE_Q4_0, 2, ne_b, with_data ? q4_data : NULL));
    must(chord_gguf_add_tensor(w, "w.c", CHORD_TYPE_F32, 1, ne_c, with_data ? f32_data : NULL));
    return w;
}

/* The small valid file, whole. */
static blob base_file(void) { return written(base_writer(1)); }

static void expect_fail(blob b, chord_status code, const char *text)
{
    chord_gguf *g = NULL;
    chord_status s = chord_gguf_open_memory(b.p, b.n, &g);
    cr_assert_eq(s, code, "got %s, expected %s (%s)", chord_status_name(s), chord_status_name(code),
                 chord_last_error());
    cr_assert_null(g);
    cr_assert(strstr(chord_last_error(), text), "message \"%s\" lacks \"%s\"", chord_last_error(), text);
    free(b.p);
}

Test(gguf, base_file_is_valid)
{
    blob b = base_file();
    chord_gguf *g;
    must(chord_gguf_open_memory(b.p, b.n, &g));
    cr_assert_eq(chord_gguf_n_tensors(g), 3);
    cr_assert_eq(chord_gguf_n_kv(g), 5);
    chord_gguf_close(g);
    free(b.p);
}

/* ---- round trip: every value type, arrays, nested arrays, tensors, alignment ---- */

Test(gguf, roundtrip_every_type)
{
    chord_gguf_writer *w;
    must(chord_gguf_writer_create(&w));
    must(chord_gguf_writer_set_alignment(w, 64));
    uint8_t u8 = 250;
    int8_t i8 = -100;
    uint16_t u16 = 65000;
    int16_t i16 = -32000;
    int32_t i32 = -2000000000;
    int64_t i64 = -(1ll << 60);
    double f64 = 1.0 / 3.0;
    must(chord_gguf_set_scalar(w, "v.u8", CHORD_GGUF_UINT8, &u8));
    must(chord_gguf_set_scalar(w, "v.i8", CHORD_GGUF_INT8, &i8));
    must(chord_gguf_set_scalar(w, "v.u16", CHORD_GGUF_UINT16, &u16));
    must(chord_gguf_set_scalar(w, "v.i16", CHORD_GGUF_INT16, &i16));
    must(chord_gguf_set_u32(w, "v.u32", 4000000000u));
    must(chord_gguf_set_i32(w, "v.i32", i32));
    must(chord_gguf_set_f32(w, "v.f32", 0.125f));
    must(chord_gguf_set_bool(w, "v.bool", 1));
    must(chord_gguf_set_str(w, "v.str", "h\xc3\xa9llo"));
    must(chord_gguf_set_str(w, "v.empty", ""));
    must(chord_gguf_set_u64(w, "v.u64", 1ull << 40));
    must(chord_gguf_set_scalar(w, "v.i64", CHORD_GGUF_INT64, &i64));
    must(chord_gguf_set_scalar(w, "v.f64", CHORD_GGUF_FLOAT64, &f64));
    float fa[3] = {1.5f, -2, 1e30f};
    must(chord_gguf_set_array(w, "a.f32", CHORD_GGUF_FLOAT32, fa, 3));
    int8_t ia[2] = {-1, 1};
    must(chord_gguf_set_array(w, "a.i8", CHORD_GGUF_INT8, ia, 2));
    must(chord_gguf_set_array(w, "a.empty", CHORD_GGUF_UINT64, NULL, 0));
    const char *sa[] = {"alpha", "", "\xe2\x96\x81gamma"};
    must(chord_gguf_set_str_array(w, "a.str", sa, 3));
    /* [[7, 8], [9]] as u16: two arrays of u16 */
    uint8_t nested[2 * 12 + 3 * 2], *q = nested;
    uint32_t et = CHORD_GGUF_UINT16;
    uint64_t n2 = 2, n1 = 1;
    uint16_t v7 = 7, v8 = 8, v9 = 9;
    memcpy(q, &et, 4), q += 4, memcpy(q, &n2, 8), q += 8, memcpy(q, &v7, 2), q += 2, memcpy(q, &v8, 2), q += 2;
    memcpy(q, &et, 4), q += 4, memcpy(q, &n1, 8), q += 8, memcpy(q, &v9, 2), q += 2;
    uint8_t outer[12 + sizeof nested];
    uint32_t arr_t = CHORD_GGUF_ARRAY;
    memcpy(outer, &arr_t, 4);
    memcpy(outer + 4, &n2, 8);
    memcpy(outer + 12, nested, sizeof nested);
    must(chord_gguf_set_raw(w, "a.nested", CHORD_GGUF_ARRAY, outer, sizeof outer));

    chord_f16 h[3 * 2 * 2];
    for (int i = 0; i < 12; i++)
        h[i] = chord_f32_to_f16((float)i - 5);
    chord_block_q8_0 q8[2] = {{chord_f32_to_f16(0.5f), {0}}, {chord_f32_to_f16(-1), {0}}};
    for (int i = 0; i < 32; i++)
        q8[0].qs[i] = (int8_t)(i - 16), q8[1].qs[i] = (int8_t)(3 * i - 50);
    int64_t ne_h[3] = {3, 2, 2}, ne_q[4] = {32, 1, 2, 1}, ne_f[1] = {8};
    must(chord_gguf_add_tensor(w, "f16.3d", CHORD_TYPE_F16, 3, ne_h, h));
    must(chord_gguf_add_tensor(w, "q8.4d", CHORD_TYPE_Q8_0, 4, ne_q, q8));
    must(chord_gguf_add_tensor(w, "f32.1d", CHORD_TYPE_F32, 1, ne_f, f32_data));
    void *p;
    size_t n;
    must(chord_gguf_write_memory(w, &p, &n));
    uint64_t data_offset = chord_gguf_writer_data_offset(w);
    chord_gguf_writer_free(w);

    chord_gguf *g;
    must(chord_gguf_open_memory(p, n, &g));
    cr_assert_eq(chord_gguf_version(g), 3);
    cr_assert_eq(chord_gguf_alignment(g), 64);
    cr_assert_eq(chord_gguf_data_offset(g), data_offset);
    cr_assert_eq(chord_gguf_data_offset(g) % 64, 0);
    int64_t v;
    double d;
    struct {
        const char *key;
        int64_t want;
    } ints[] = {{"v.u8", 250},           {"v.i8", -100},           {"v.u16", 65000}, {"v.i16", -32000},
                {"v.u32", 4000000000ll}, {"v.i32", -2000000000},   {"v.bool", 1},    {"v.u64", 1ll << 40},
                {"v.i64", -(1ll << 60)}, {"general.alignment", 64}};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        must(chord_gguf_get_int(g, ints[i].key, &v));
        cr_assert_eq(v, ints[i].want, "%s = %lld", ints[i].key, (long long)v);
    }
    must(chord_gguf_get_float(g, "v.f32", &d));
    cr_assert_eq(d, 0.125);
    must(chord_gguf_get_float(g, "v.f64", &d));
    cr_assert_eq(d, 1.0 / 3.0);
    must(chord_gguf_get_float(g, "v.i16", &d));
    cr_assert_eq(d, -32000.0);
    chord_gguf_str s;
    must(chord_gguf_get_str(g, "v.str", &s));
    cr_assert(chord_gguf_str_eq(s, "h\xc3\xa9llo"));
    must(chord_gguf_get_str(g, "v.empty", &s));
    cr_assert_eq(s.len, 0);

    chord_gguf_vtype et2;
    uint64_t count;
    const void *data;
    must(chord_gguf_get_array(g, "a.f32", &et2, &count, &data));
    cr_assert_eq(et2, CHORD_GGUF_FLOAT32);
    cr_assert_eq(count, 3);
    cr_assert_eq(memcmp(data, fa, sizeof fa), 0);
    must(chord_gguf_get_array(g, "a.i8", &et2, &count, &data));
    cr_assert(et2 == CHORD_GGUF_INT8 && count == 2 && !memcmp(data, ia, 2));
    must(chord_gguf_get_array(g, "a.empty", &et2, &count, &data));
    cr_assert(et2 == CHORD_GGUF_UINT64 && count == 0);
    const chord_gguf_str *items;
    must(chord_gguf_get_str_array(g, "a.str", &count, &items));
    cr_assert_eq(count, 3);
    for (int i = 0; i < 3; i++)
        cr_assert(chord_gguf_str_eq(items[i], sa[i]), "item %d", i);
    must(chord_gguf_get_array(g, "a.nested", &et2, &count, &data));
    cr_assert(et2 == CHORD_GGUF_ARRAY && count == 2);
    cr_assert_eq(memcmp(data, nested, sizeof nested), 0);
    cr_assert_eq(chord_gguf_get_str_array(g, "a.f32", &count, &items), CHORD_ERR_FORMAT);
    cr_assert(strstr(chord_last_error(), "'a.f32' is not an array of strings"), "%s", chord_last_error());

    /* enumeration in insertion order, general.alignment first (set_alignment records it) */
    cr_assert_eq(chord_gguf_n_kv(g), 19);
    cr_assert(chord_gguf_str_eq(chord_gguf_kv_key(g, 0), "general.alignment"));
    cr_assert(chord_gguf_str_eq(chord_gguf_kv_key(g, 18), "a.nested"));
    cr_assert_eq(chord_gguf_kv_type(g, 9), CHORD_GGUF_STRING);
    chord_gguf_kv_array_info(g, 17, &et2, &count);
    cr_assert(et2 == CHORD_GGUF_STRING && count == 3);

    const struct {
        const char *name;
        int n_dims;
        int64_t ne[4];
        chord_type type;
        const void *data;
        size_t bytes;
    } want[] = {{"f16.3d", 3, {3, 2, 2, 1}, CHORD_TYPE_F16, h, sizeof h},
                {"q8.4d", 4, {32, 1, 2, 1}, CHORD_TYPE_Q8_0, q8, sizeof q8},
                {"f32.1d", 1, {8, 1, 1, 1}, CHORD_TYPE_F32, f32_data, sizeof f32_data}};
    cr_assert_eq(chord_gguf_n_tensors(g), 3);
    for (int i = 0; i < 3; i++) {
        const chord_gguf_tensor *t = chord_gguf_tensor_at(g, i);
        cr_assert_eq(t, chord_gguf_find_tensor(g, want[i].name));
        cr_assert_str_eq(t->name, want[i].name);
        cr_assert_eq(t->n_dims, want[i].n_dims);
        cr_assert_eq(memcmp(t->ne, want[i].ne, sizeof t->ne), 0, "%s dims", t->name);
        cr_assert_eq(t->type, want[i].type);
        cr_assert_eq(t->bytes, want[i].bytes);
        cr_assert_eq(t->offset % 64, 0);
        cr_assert_eq((const uint8_t *)t->data - (const uint8_t *)p, (ptrdiff_t)(data_offset + t->offset));
        cr_assert_eq(memcmp(t->data, want[i].data, t->bytes), 0, "%s data", t->name);
    }
    cr_assert_null(chord_gguf_find_tensor(g, "nope"));
    cr_assert_null(chord_gguf_tensor_at(g, 3));
    chord_gguf_close(g);
    free(p);
}

Test(gguf, version2_reads)
{
    blob b = base_file();
    put32(b, 4, 2);
    chord_gguf *g;
    must(chord_gguf_open_memory(b.p, b.n, &g));
    cr_assert_eq(chord_gguf_version(g), 2);
    chord_gguf_close(g);
    free(b.p);
}

Test(gguf, streaming_write_matches)
{
    /* the same tensors streamed in odd-sized chunks give the same bytes as the whole-file write */
    blob ref = base_file();
    chord_gguf_writer *w = base_writer(0);
    uint8_t all[32 + 36 + 32];
    memcpy(all, f32_data, 32), memcpy(all + 32, q4_data, 36), memcpy(all + 68, f32_data, 32);
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    must(chord_gguf_write_begin(w, f));
    for (size_t at = 0; at < sizeof all; at += 7)
        must(chord_gguf_write_data(w, all + at, sizeof all - at < 7 ? sizeof all - at : 7));
    cr_assert_eq(chord_gguf_write_data(w, all, 1), CHORD_ERR_INVALID);
    must(chord_gguf_write_end(w));
    fclose(f);
    cr_assert_eq(n, ref.n);
    cr_assert_eq(memcmp(p, ref.p, n), 0);
    free(p);
    free(ref.p);
    chord_gguf_writer_free(w);
}

Test(gguf, writer_rejects_bad_input)
{
    chord_gguf_writer *w;
    must(chord_gguf_writer_create(&w));
    must(chord_gguf_set_u32(w, "k", 1));
    cr_assert_eq(chord_gguf_set_u32(w, "k", 2), CHORD_ERR_INVALID);
    cr_assert(strstr(chord_last_error(), "'k' set twice"));
    int64_t ne[2] = {33, 1};
    cr_assert_eq(chord_gguf_add_tensor(w, "t", CHORD_TYPE_Q4_0, 2, ne, NULL), CHORD_ERR_INVALID);
    cr_assert(strstr(chord_last_error(), "not a multiple of 32"));
    cr_assert_eq(chord_gguf_add_tensor(w, "t", CHORD_TYPE_F32, 5, ne, NULL), CHORD_ERR_INVALID);
    must(chord_gguf_add_tensor(w, "t", CHORD_TYPE_F32, 2, ne, NULL));
    cr_assert_eq(chord_gguf_add_tensor(w, "t", CHORD_TYPE_F32, 2, ne, NULL), CHORD_ERR_INVALID);
    cr_assert(strstr(chord_last_error(), "'t' added twice"));
    cr_assert_eq(chord_gguf_writer_set_alignment(w, 64), CHORD_ERR_INVALID);
    void *p;
    size_t n;
    cr_assert_eq(chord_gguf_write_memory(w, &p, &n), CHORD_ERR_INVALID);
    cr_assert(strstr(chord_last_error(), "'t' has no data"));
    chord_gguf_writer_free(w);
}

/* ---- faults: each one patched into the valid base file ---- */

Test(gguf_fault, bad_magic)
{
    blob b = base_file();
    b.p[0] = 'X';
    expect_fail(b, CHORD_ERR_FORMAT, "bad magic 0x46554758");
}

/* One field of the valid base file overwritten: `bytes` (4 or 8) bytes of value at `at` past the end of the
 * string `after` in the file, or past the file's start where after is empty. The strings are arrays, not
 * pointers: Criterion copies the parameters into each test's own process, where this one's addresses mean nothing. */
typedef struct {
    char name[32];
    char after[24];
    size_t at;
    int bytes;
    uint64_t value;
    chord_status code;
    char text[96];
} field_fault;

static field_fault field_faults[] = {
    {"version1", "", 4, 4, 1, CHORD_ERR_FORMAT, "unsupported version 1"},
    {"version4", "", 4, 4, 4, CHORD_ERR_FORMAT, "unsupported version 4"},
    {"big_endian", "", 4, 4, 3u << 24, CHORD_ERR_FORMAT, "byte-swapped"},
    {"n_tensors_cannot_fit", "", 8, 8, 1ull << 40, CHORD_ERR_FORMAT, "tensor count 1099511627776 cannot fit"},
    {"n_kv_cannot_fit", "", 16, 8, UINT64_MAX, CHORD_ERR_FORMAT, "metadata count 18446744073709551615 cannot fit"},
    /* one more key than there is: tensor 'w.a' is read as a key of type n_dims = 2 (u16), and the tensor infos,
     * now shifted, fail on their first name */
    {"n_kv_too_large_by_one", "", 16, 8, 6, CHORD_ERR_FORMAT, "tensor #0 name: string of length"},
    /* the value string's length */
    {"string_past_end", "general.architecture", 4, 8, 1ull << 50, CHORD_ERR_FORMAT,
     "key 'general.architecture': string of length 1125899906842624 at offset"},
    /* at 24: the first key's length */
    {"key_length_past_end", "", 24, 8, UINT64_MAX, CHORD_ERR_FORMAT,
     "key #0: string of length 18446744073709551615 at offset 24 runs past the end"},
    {"unknown_value_type", "dup.a", 0, 4, 13, CHORD_ERR_FORMAT, "key 'dup.a': unknown value type 13"},
    {"unknown_array_element_type", "t.arr", 4, 4, 99, CHORD_ERR_FORMAT, "key 't.arr': unknown array element type 99"},
    {"array_count_cannot_fit", "t.strs", 8, 8, 1ull << 61, CHORD_ERR_FORMAT,
     "key 't.strs': array of 2305843009213693952 elements at offset"},
    /* the length of "x", the array's first string */
    {"string_in_array_past_end", "t.strs", 16, 8, 1ull << 33, CHORD_ERR_FORMAT,
     "key 't.strs': string of length 8589934592"},
    {"n_dims_too_many", "w.a", 0, 4, 5, CHORD_ERR_FORMAT, "tensor 'w.a': n_dims 5 out of range 1..4"},
    {"n_dims_zero", "w.c", 0, 4, 0, CHORD_ERR_FORMAT, "tensor 'w.c': n_dims 0 out of range 1..4"},
    {"zero_dim", "w.a", 4 + 8, 8, 0, CHORD_ERR_FORMAT, "tensor 'w.a': ne[1] = 0 out of range"},
    /* f32: 2^64 bytes */
    {"byte_size_overflow", "w.c", 4, 8, 1ull << 62, CHORD_ERR_FORMAT,
     "tensor 'w.c': byte size overflow (4611686018427387904 elements of f32)"},
    {"unknown_tensor_type", "w.c", 4 + 8, 4, 99, CHORD_ERR_FORMAT, "tensor 'w.c': unknown tensor type 99"},
    {"unimplemented_tensor_type", "w.c", 4 + 8, 4, 16, CHORD_ERR_UNSUPPORTED,
     "tensor 'w.c': tensor type 16 (iq2_xxs) is not supported by chord"},
    {"row_not_whole_blocks", "w.b", 4, 8, 48, CHORD_ERR_FORMAT,
     "tensor 'w.b': ne[0] = 48 is not a multiple of the block size 32 of q4_0"},
    {"offset_misaligned", "w.c", 4 + 8 + 4, 8, 72, CHORD_ERR_FORMAT,
     "tensor 'w.c': offset 72 is misaligned (alignment 32)"},
    {"offset_out_of_range", "w.c", 4 + 8 + 4, 8, 1ull << 40, CHORD_ERR_FORMAT,
     "tensor 'w.c': data [1099511627776, +32) out of range: the data section has"},
    {"tensors_overlap", "w.b", 4 + 16 + 4, 8, 0, CHORD_ERR_FORMAT, "tensors 'w.a' and 'w.b' overlap"},
};

ParameterizedTestParameters(gguf_fault, field)
{
    return cr_make_param_array(field_fault, field_faults, sizeof field_faults / sizeof field_faults[0]);
}

ParameterizedTest(field_fault *f, gguf_fault, field)
{
    blob b = base_file();
    const size_t at = (f->after[0] ? after_str(b, f->after) : 0) + f->at;
    if (f->bytes == 4)
        put32(b, at, (uint32_t)f->value);
    else
        put64(b, at, f->value);
    cr_log_info("fault %s", f->name);
    expect_fail(b, f->code, f->text);
}

Test(gguf_fault, tiny_file)
{
    blob b = base_file();
    b.n = 6;
    expect_fail(b, CHORD_ERR_FORMAT, "file of 6 bytes is too small for the header");
}

Test(gguf_fault, truncated_in_tensor_infos)
{
    blob b = base_file();
    b.n = after_str(b, "w.b") + 6; /* inside ne[0] */
    expect_fail(b, CHORD_ERR_FORMAT, "tensor 'w.b': dimensions run past the end of the file");
}

Test(gguf_fault, arrays_nested_too_deep)
{
    chord_gguf_writer *w;
    must(chord_gguf_writer_create(&w));
    uint8_t raw[12 * 10 + 1], *q = raw;
    for (int d = 0; d < 10; d++) {
        uint32_t t = d < 9 ? CHORD_GGUF_ARRAY : CHORD_GGUF_UINT8;
        uint64_t n = 1;
        memcpy(q, &t, 4), memcpy(q + 4, &n, 8), q += 12;
    }
    *q = 5;
    must(chord_gguf_set_raw(w, "deep", CHORD_GGUF_ARRAY, raw + 12, sizeof raw - 12));
    blob b = written(w);
    expect_fail(b, CHORD_ERR_FORMAT, "key 'deep': arrays nested deeper than 8");
}

Test(gguf_fault, duplicate_key)
{
    blob b = base_file();
    b.p[after_str(b, "dup.b") - 1] = 'a';
    expect_fail(b, CHORD_ERR_FORMAT, "duplicate key 'dup.a'");
}

Test(gguf_fault, duplicate_tensor)
{
    blob b = base_file();
    b.p[after_str(b, "w.c") - 1] = 'a';
    expect_fail(b, CHORD_ERR_FORMAT, "duplicate tensor name 'w.a'");
}

Test(gguf_fault, dim_product_overflow)
{
    blob b = base_file();
    size_t at = after_str(b, "w.a") + 4;
    put64(b, at, 1ull << 40);
    put64(b, at + 8, 1ull << 40);
    expect_fail(b, CHORD_ERR_FORMAT, "tensor 'w.a': element count overflow at ne[1] = 1099511627776");
}

Test(gguf_fault, data_truncated)
{
    blob b = base_file();
    b.n -= 40; /* w.c's 32 bytes and its padding are gone, partly */
    expect_fail(b, CHORD_ERR_FORMAT, "tensor 'w.c': data [");
}

/* A file of one key, general.alignment = v, stored as a u32 or (wide) as a u64. */
static blob alignment_only(uint32_t v, int wide)
{
    chord_gguf_writer *w;
    must(chord_gguf_writer_create(&w));
    must(wide ? chord_gguf_set_u64(w, "general.alignment", v) : chord_gguf_set_u32(w, "general.alignment", v));
    return written(w);
}

Test(gguf_fault, alignment_not_power_of_two)
{
    expect_fail(alignment_only(48, 0), CHORD_ERR_FORMAT, "general.alignment 48 is not a power of two");
}

Test(gguf_fault, alignment_wrong_type)
{
    expect_fail(alignment_only(32, 1), CHORD_ERR_FORMAT, "general.alignment has type u64, expected u32");
}

/* Every truncation of a valid file (whose last tensor ends aligned: no trailing padding) fails cleanly, and random byte flips never crash (ASan/valgrind catch reads
 * out of bounds; here they would be segfaults on the heap copy's edge). */
Test(gguf_fault, every_truncation_and_random_flips)
{
    blob b = base_file();
    for (size_t n = 0; n < b.n; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size, so an over-read leaves the allocation */
        memcpy(copy, b.p, n);
        chord_gguf *g = NULL;
        chord_status s = chord_gguf_open_memory(copy, n, &g);
        cr_assert_eq(s, CHORD_ERR_FORMAT, "n = %zu: %s", n, chord_last_error());
        cr_assert_null(g);
        free(copy);
    }
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int it = 0; it < 20000; it++) {
        uint8_t *copy = malloc(b.n);
        memcpy(copy, b.p, b.n);
        for (int k = 0; k < 3; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            copy[(x >> 8) % b.n] = (uint8_t)x;
        }
        chord_gguf *g = NULL;
        chord_status s = chord_gguf_open_memory(copy, b.n, &g);
        cr_assert(s == CHORD_OK || s == CHORD_ERR_FORMAT || s == CHORD_ERR_UNSUPPORTED, "%s", chord_last_error());
        chord_gguf_close(g);
        free(copy);
    }
    free(b.p);
}

/* ---- accessors and files ---- */

Test(gguf, accessor_errors_and_required_keys)
{
    blob b = base_file();
    chord_gguf *g;
    must(chord_gguf_open_memory(b.p, b.n, &g));
    int64_t v;
    cr_assert_eq(chord_gguf_get_int(g, "general.architecture", &v), CHORD_ERR_FORMAT);
    cr_assert(strstr(chord_last_error(), "key 'general.architecture' has type str, expected an integer"));
    cr_assert_eq(chord_gguf_get_int(g, "llama.block_count", &v), CHORD_ERR_FORMAT);
    cr_assert(strstr(chord_last_error(), "missing key 'llama.block_count'"));
    const char *req[] = {"general.architecture", "llama.block_count", "dup.a", "llama.embedding_length", NULL};
    cr_assert_eq(chord_gguf_require_keys(g, req), CHORD_ERR_FORMAT);
    cr_assert(
        strstr(chord_last_error(),
               "missing required keys 'llama.block_count', 'llama.embedding_length' (2 of 4 required keys absent)"),
        "%s", chord_last_error());
    const char *ok[] = {"general.architecture", "t.arr", NULL};
    must(chord_gguf_require_keys(g, ok));
    chord_gguf_close(g);
    free(b.p);
}

Test(gguf, open_file_errors)
{
    chord_gguf *g = NULL;
    cr_assert_eq(chord_gguf_open("/nonexistent/x.gguf", &g), CHORD_ERR_IO);
    cr_assert(strstr(chord_last_error(), "cannot open '/nonexistent/x.gguf'"));
    char path[] = "/tmp/chord_gguf_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(chord_gguf_open(path, &g), CHORD_ERR_FORMAT);
    cr_assert(strstr(chord_last_error(), "is empty"));
    blob b = base_file();
    b.p[0] = 'g';
    cr_assert_eq(write(fd, b.p, b.n), (ssize_t)b.n);
    close(fd);
    cr_assert_eq(chord_gguf_open(path, &g), CHORD_ERR_FORMAT);
    cr_assert(strstr(chord_last_error(), path) && strstr(chord_last_error(), "bad magic"), "%s", chord_last_error());
    cr_assert_null(g);
    unlink(path);
    free(b.p);
}

/* ---- the real default model ---- */

Test(gguf, real_default_model)
{
    const char *dir = getenv("CHORD_MODEL_DIR");
    char path[1024];
    if (dir && *dir)
        snprintf(path, sizeof path, "%s/smollm2-135m-instruct-q4_1.gguf", dir);
    else
        snprintf(path, sizeof path, "%s/.cache/chord/smollm2-135m-instruct-q4_1.gguf",
                 getenv("HOME") ? getenv("HOME") : "");
    if (access(path, R_OK) != 0)
        cr_skip_test("%s is not there (ci/fetch-model.sh fetches it)", path);
    chord_gguf *g;
    must(chord_gguf_open(path, &g));
    chord_gguf_str arch;
    must(chord_gguf_get_str(g, "general.architecture", &arch));
    cr_assert(chord_gguf_str_eq(arch, "llama"), "architecture '%.*s'", (int)arch.len, arch.ptr);
    const char *req[] = {"llama.block_count",
                         "llama.embedding_length",
                         "llama.feed_forward_length",
                         "llama.attention.head_count",
                         "tokenizer.ggml.model",
                         "tokenizer.ggml.tokens",
                         NULL};
    must(chord_gguf_require_keys(g, req));
    int64_t n_layer, n_embd;
    must(chord_gguf_get_int(g, "llama.block_count", &n_layer));
    must(chord_gguf_get_int(g, "llama.embedding_length", &n_embd));
    /* 9 tensors per block, token_embd, output_norm, and output.weight unless tied */
    int64_t want = 9 * n_layer + 2 + (chord_gguf_find_tensor(g, "output.weight") != NULL);
    cr_assert_eq(chord_gguf_n_tensors(g), want);
    for (int64_t l = 0; l < n_layer; l++) {
        char name[64];
        snprintf(name, sizeof name, "blk.%lld.attn_q.weight", (long long)l);
        const chord_gguf_tensor *t = chord_gguf_find_tensor(g, name);
        cr_assert_not_null(t, "%s", name);
        cr_assert(t->n_dims == 2 && t->ne[0] == n_embd && t->ne[1] == n_embd);
    }
    uint64_t n_tok;
    const chord_gguf_str *tok;
    must(chord_gguf_get_str_array(g, "tokenizer.ggml.tokens", &n_tok, &tok));
    cr_assert_eq((int64_t)n_tok, chord_gguf_find_tensor(g, "token_embd.weight")->ne[1]);
    cr_assert_eq(chord_gguf_data_offset(g) % chord_gguf_alignment(g), 0);
    chord_gguf_close(g);
}
