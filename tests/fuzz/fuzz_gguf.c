/* libFuzzer target: the GGUF reader (model/gguf.h). Any bytes go to chord_gguf_open_memory from an exact-size copy;
 * a file that opens is walked through every accessor, each answer checked against what the header promises (in
 * the file's bounds, types as stated, lookups that find what enumeration lists), and then printed by
 * `chord gguf info`, text and JSON, from a memfd (no file on disk). */
#include <inttypes.h>
#include <sys/mman.h>
#include <unistd.h>

#include "commands.h"
#include "fuzz.h"
#include "gguf.h"

static int memfd = -1;
static char memfd_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    fuzz_quiet_stdio();
    memfd = memfd_create("chord-fuzz-gguf", MFD_CLOEXEC);
    FUZZ_CHECK(memfd >= 0, "memfd_create failed");
    snprintf(memfd_path, sizeof memfd_path, "/proc/self/fd/%d", memfd);
    return 0;
}

typedef struct {
    const uint8_t *base;
    size_t size;
} file_range;

static int inside(file_range f, const void *p, uint64_t n)
{
    const uint8_t *b = p;
    return b >= f.base && b <= f.base + f.size && n <= (uint64_t)(f.base + f.size - b);
}

static const chord_gguf_vtype all_types[] = {CHORD_GGUF_UINT8,  CHORD_GGUF_INT8,  CHORD_GGUF_UINT16,  CHORD_GGUF_INT16,
                                             CHORD_GGUF_UINT32, CHORD_GGUF_INT32, CHORD_GGUF_FLOAT32, CHORD_GGUF_BOOL,
                                             CHORD_GGUF_STRING, CHORD_GGUF_ARRAY, CHORD_GGUF_UINT64,  CHORD_GGUF_INT64,
                                             CHORD_GGUF_FLOAT64};

static int is_int_type(chord_gguf_vtype t)
{
    return t == CHORD_GGUF_UINT8 || t == CHORD_GGUF_INT8 || t == CHORD_GGUF_UINT16 || t == CHORD_GGUF_INT16 ||
           t == CHORD_GGUF_UINT32 || t == CHORD_GGUF_INT32 || t == CHORD_GGUF_UINT64 || t == CHORD_GGUF_INT64 ||
           t == CHORD_GGUF_BOOL;
}

static void check_tensors(const chord_gguf *g, file_range f)
{
    const int64_t n = chord_gguf_n_tensors(g);
    const uint32_t align = chord_gguf_alignment(g);
    FUZZ_CHECK(n >= 0, "%" PRId64 " tensors", n);
    FUZZ_CHECK(chord_gguf_tensor_at(g, -1) == NULL && chord_gguf_tensor_at(g, n) == NULL, "tensor_at out of range");
    unsigned x = 0;
    for (int64_t i = 0; i < n; i++) {
        const chord_gguf_tensor *t = chord_gguf_tensor_at(g, i);
        FUZZ_CHECK(t != NULL, "tensor_at(%" PRId64 ")", i);
        const size_t len = strnlen(t->name, sizeof t->name);
        FUZZ_CHECK(len > 0 && len < sizeof t->name, "tensor %" PRId64 " name length %zu", i, len);
        FUZZ_CHECK(t->n_dims >= 1 && t->n_dims <= 4, "tensor '%s' n_dims %d", t->name, t->n_dims);
        int64_t rows = 1;
        for (int d = 0; d < 4; d++) {
            FUZZ_CHECK(t->ne[d] >= 1 && (d < t->n_dims || t->ne[d] == 1), "tensor '%s' ne[%d] = %" PRId64, t->name, d,
                       t->ne[d]);
            if (d > 0)
                rows *= t->ne[d]; /* no overflow: the reader bounded the element count */
        }
        const size_t row = chord_type_row_bytes((int)t->type, t->ne[0]);
        FUZZ_CHECK(row > 0 && t->bytes == row * (size_t)rows, "tensor '%s': %zu bytes, rows of %zu", t->name, t->bytes,
                   row);
        FUZZ_CHECK(t->offset % align == 0, "tensor '%s' offset %" PRIu64 " alignment %u", t->name, t->offset, align);
        FUZZ_CHECK(t->data == f.base + chord_gguf_data_offset(g) + t->offset && inside(f, t->data, t->bytes),
                   "tensor '%s' data outside the file", t->name);
        x ^= fuzz_touch(t->data, t->bytes);
        FUZZ_CHECK(chord_gguf_find_tensor(g, t->name) == t, "find_tensor('%s') is not tensor %" PRId64, t->name, i);
    }
    FUZZ_CHECK(chord_gguf_find_tensor(g, "") == NULL, "find_tensor(\"\")");
    FUZZ_CHECK(chord_gguf_find_tensor(g, NULL) == NULL, "find_tensor(NULL)");
    (void)x;
}

/* Checks one key's typed accessors against its type and raw bytes. */
static void check_kv_access(const chord_gguf *g, file_range f, int64_t i, const char *key)
{
    const chord_gguf_vtype t = chord_gguf_kv_type(g, i);
    const uint8_t *raw = chord_gguf_kv_raw(g, i);
    FUZZ_CHECK(chord_gguf_has(g, key), "has('%s') is 0 for key %" PRId64, key, i);

    int64_t iv;
    chord_status s = chord_gguf_get_int(g, key, &iv);
    uint64_t u64 = 0;
    if (t == CHORD_GGUF_UINT64)
        memcpy(&u64, raw, 8);
    FUZZ_CHECK((s == CHORD_OK) == (is_int_type(t) && u64 <= INT64_MAX), "get_int('%s') of %s: %s", key,
               chord_gguf_vtype_name(t), chord_status_name(s));
    if (s != CHORD_OK)
        FUZZ_FAILED_CLEARLY(s);
    if (s == CHORD_OK && t == CHORD_GGUF_BOOL)
        FUZZ_CHECK(iv == (raw[0] != 0), "bool read as %" PRId64, iv);

    double dv;
    s = chord_gguf_get_float(g, key, &dv);
    const int is_num = t == CHORD_GGUF_FLOAT32 || t == CHORD_GGUF_FLOAT64 || (is_int_type(t) && t != CHORD_GGUF_BOOL);
    FUZZ_CHECK((s == CHORD_OK) == (is_num && u64 <= INT64_MAX), "get_float('%s') of %s: %s", key,
               chord_gguf_vtype_name(t), chord_status_name(s));

    chord_gguf_str str;
    s = chord_gguf_get_str(g, key, &str);
    FUZZ_CHECK((s == CHORD_OK) == (t == CHORD_GGUF_STRING), "get_str('%s') of %s", key, chord_gguf_vtype_name(t));
    if (s == CHORD_OK) {
        FUZZ_CHECK(str.ptr == (const char *)raw + 8 && inside(f, str.ptr, str.len), "string of '%s' outside the file",
                   key);
        fuzz_touch(str.ptr, (size_t)str.len);
        FUZZ_CHECK(chord_gguf_str_eq(str, "") == (str.len == 0), "str_eq with \"\"");
    }

    chord_gguf_vtype elem = CHORD_GGUF_VTYPE_COUNT;
    uint64_t n = 0;
    const void *data = NULL;
    s = chord_gguf_get_array(g, key, &elem, &n, &data);
    FUZZ_CHECK((s == CHORD_OK) == (t == CHORD_GGUF_ARRAY), "get_array('%s') of %s", key, chord_gguf_vtype_name(t));
    const chord_gguf_str *items = NULL;
    uint64_t n_str = 0;
    chord_status s_str = chord_gguf_get_str_array(g, key, &n_str, &items);
    FUZZ_CHECK((s_str == CHORD_OK) == (s == CHORD_OK && elem == CHORD_GGUF_STRING), "get_str_array('%s')", key);
    if (s != CHORD_OK)
        return;
    chord_gguf_vtype e2;
    uint64_t n2;
    chord_gguf_kv_array_info(g, i, &e2, &n2);
    FUZZ_CHECK(e2 == elem && n2 == n && (unsigned)elem < CHORD_GGUF_VTYPE_COUNT, "array_info of '%s'", key);
    FUZZ_CHECK(n <= f.size, "array '%s' of %" PRIu64 " elements in a file of %zu bytes", key, n, f.size);
    if (elem == CHORD_GGUF_STRING) {
        FUZZ_CHECK(items == data && n_str == n, "string table of '%s'", key);
        for (uint64_t k = 0; k < n; k++) {
            FUZZ_CHECK(inside(f, items[k].ptr, items[k].len), "'%s'[%" PRIu64 "] outside the file", key, k);
            fuzz_touch(items[k].ptr, (size_t)items[k].len);
        }
    } else if (elem == CHORD_GGUF_ARRAY) {
        FUZZ_CHECK(data == raw + 12 && inside(f, data, 12 * n), "nested array of '%s'", key);
    } else {
        const size_t bytes = (size_t)n * chord_gguf_vtype_size(elem);
        FUZZ_CHECK(data == raw + 12 && inside(f, data, bytes), "array '%s' outside the file", key);
        fuzz_touch(data, bytes);
    }
}

static void check_metadata(const chord_gguf *g, file_range f)
{
    const int64_t n_kv = chord_gguf_n_kv(g);
    FUZZ_CHECK(n_kv >= 0 && (uint64_t)n_kv <= f.size / 14, "%" PRId64 " keys in %zu bytes", n_kv, f.size);
    char *key = NULL;
    size_t key_cap = 0;
    for (int64_t i = 0; i < n_kv; i++) {
        chord_gguf_str k = chord_gguf_kv_key(g, i);
        const chord_gguf_vtype t = chord_gguf_kv_type(g, i);
        FUZZ_CHECK(k.len > 0 && inside(f, k.ptr, k.len), "key %" PRId64 " outside the file", i);
        FUZZ_CHECK((unsigned)t < CHORD_GGUF_VTYPE_COUNT, "key %" PRId64 " has type %d", i, (int)t);
        const uint8_t *raw = chord_gguf_kv_raw(g, i);
        const size_t fixed = chord_gguf_vtype_size(t);
        FUZZ_CHECK(inside(f, raw, fixed ? fixed : t == CHORD_GGUF_STRING ? 8 : 12), "value of key %" PRId64, i);
        if (memchr(k.ptr, 0, (size_t)k.len))
            continue; /* a key with a NUL in it cannot be named by a C string: lookups see a shorter key */
        if (k.len + 1 > key_cap) {
            key_cap = (size_t)k.len + 1;
            char *p = realloc(key, key_cap);
            FUZZ_CHECK(p != NULL, "no memory for a key of %" PRIu64 " bytes", k.len);
            key = p;
        }
        memcpy(key, k.ptr, (size_t)k.len);
        key[k.len] = 0;
        FUZZ_CHECK(chord_gguf_str_eq(k, key), "str_eq of a key with itself");
        check_kv_access(g, f, i, key);
    }
    free(key);

    /* absent keys: clear errors, never a crash */
    int64_t iv;
    double dv;
    chord_gguf_str sv;
    chord_gguf_vtype et;
    uint64_t n;
    const void *data;
    const chord_gguf_str *items;
    static const char absent[] = "chord.fuzz.no such key";
    if (!chord_gguf_has(g, absent)) {
        FUZZ_CHECK(chord_gguf_get_int(g, absent, &iv) == CHORD_ERR_FORMAT, "get_int of an absent key");
        FUZZ_FAILED_CLEARLY(CHORD_ERR_FORMAT);
        FUZZ_CHECK(chord_gguf_get_float(g, absent, &dv) == CHORD_ERR_FORMAT, "get_float of an absent key");
        FUZZ_CHECK(chord_gguf_get_str(g, absent, &sv) == CHORD_ERR_FORMAT, "get_str of an absent key");
        FUZZ_CHECK(chord_gguf_get_array(g, absent, &et, &n, &data) == CHORD_ERR_FORMAT, "get_array of an absent key");
        FUZZ_CHECK(chord_gguf_get_str_array(g, absent, &n, &items) == CHORD_ERR_FORMAT, "get_str_array absent");
    }
    FUZZ_CHECK(chord_gguf_get_int(g, NULL, &iv) == CHORD_ERR_FORMAT, "get_int(NULL)");
    FUZZ_CHECK(!chord_gguf_has(g, NULL), "has(NULL)");

    static const char *const required[] = {"general.architecture", "tokenizer.ggml.model", "general.alignment", NULL};
    int all = 1;
    for (int k = 0; required[k]; k++)
        all &= chord_gguf_has(g, required[k]);
    chord_status s = chord_gguf_require_keys(g, required);
    FUZZ_CHECK((s == CHORD_OK) == all, "require_keys: %s", chord_status_name(s));
    if (s != CHORD_OK)
        FUZZ_FAILED_CLEARLY(s);
}

static void print_info(const uint8_t *data, size_t size, int json)
{
    if (ftruncate(memfd, 0) != 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
        FUZZ_CHECK(0, "cannot write %zu bytes to the memfd", size);
    char *argv[] = {"gguf", "info", memfd_path, json ? "--json" : NULL, NULL};
    const int rc = cmd_gguf(json ? 4 : 3, argv);
    FUZZ_CHECK(rc == 0, "chord gguf info%s exits %d on a file that opens", json ? " --json" : "", rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = fuzz_copy(data, size);
    if (!copy)
        return 0;
    chord_gguf *g = (chord_gguf *)1;
    chord_status s = chord_gguf_open_memory(copy, size, &g);
    if (s != CHORD_OK) {
        FUZZ_REFUSED_CLEARLY(s, "open_memory", g);
        free(copy);
        return 0;
    }
    file_range f = {copy, size};
    const uint32_t v = chord_gguf_version(g), a = chord_gguf_alignment(g);
    FUZZ_CHECK(v == 2 || v == 3, "version %u", v);
    FUZZ_CHECK(a != 0 && (a & (a - 1)) == 0, "alignment %u", a);
    FUZZ_CHECK(chord_gguf_file_size(g) == size && chord_gguf_data_offset(g) <= size, "data at %zu of %zu",
               chord_gguf_data_offset(g), size);
    check_metadata(g, f);
    check_tensors(g, f);
    for (int t = -1; t <= CHORD_GGUF_VTYPE_COUNT; t++)
        FUZZ_CHECK(chord_gguf_vtype_name((chord_gguf_vtype)t) != NULL, "vtype_name(%d)", t);
    for (size_t t = 0; t < sizeof all_types / sizeof all_types[0]; t++)
        FUZZ_CHECK((chord_gguf_vtype_size(all_types[t]) == 0) ==
                       (all_types[t] == CHORD_GGUF_STRING || all_types[t] == CHORD_GGUF_ARRAY),
                   "vtype_size(%d)", (int)all_types[t]);
    chord_gguf_close(g);
    free(copy);
    /* the printer reads every value again through its own paths; the last input byte picks text or JSON */
    print_info(data, size, size > 8 && (data[size - 1] & 1));
    return 0;
}
