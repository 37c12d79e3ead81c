/* GGUF reader. The file is mapped read-only and parsed once at open with a bounds-checked cursor; every value
 * the accessors hand out points into the mapping, except string arrays, whose (len, ptr) table is built here.
 * Layout (little-endian): magic, version u32, n_tensors u64, n_kv u64, n_kv x (key str, type u32, value),
 * n_tensors x (name str, n_dims u32, ne u64[n_dims], type u32, offset u64), padding to general.alignment,
 * then the data section; tensor offsets are relative to it and multiples of the alignment. */
#include "gguf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ARRAY_DEPTH 8
#define MAX_KEY_LEN 65535

typedef struct gguf_kv {
    chord_gguf_str key;
    chord_gguf_vtype type;
    const uint8_t *raw;    /* the serialized value, after the type field */
    chord_gguf_vtype elem; /* arrays: element type */
    uint64_t n;            /* arrays: element count */
    const uint8_t *items;  /* arrays: first element */
    chord_gguf_str *strs;  /* string arrays: table built at open */
} gguf_kv;

struct chord_gguf {
    const uint8_t *base;
    size_t size;
    int mapped; /* base is our mmap (else caller memory) */
    uint32_t version;
    uint32_t alignment;
    size_t data_offset;
    int64_t n_kv;
    gguf_kv *kv;
    int64_t n_tensors;
    chord_gguf_tensor *tensors;
    /* open-addressing hash tables of indices+1 (0 = empty), sized to a power of two >= 2n */
    uint32_t *kv_hash, *tensor_hash;
    size_t kv_hash_cap, tensor_hash_cap;
};

typedef struct {
    const uint8_t *base;
    size_t size, pos;
} cursor;

static const char *vtype_names[] = {"u8",   "i8",  "u16", "i16", "u32", "i32", "f32",
                                    "bool", "str", "arr", "u64", "i64", "f64"};
static const size_t vtype_sizes[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

const char *chord_gguf_vtype_name(chord_gguf_vtype t)
{
    return (unsigned)t < CHORD_GGUF_VTYPE_COUNT ? vtype_names[t] : "?";
}

size_t chord_gguf_vtype_size(chord_gguf_vtype t) { return (unsigned)t < CHORD_GGUF_VTYPE_COUNT ? vtype_sizes[t] : 0; }

int chord_gguf_str_eq(chord_gguf_str s, const char *c)
{
    size_t n = strlen(c);
    return s.len == n && memcmp(s.ptr, c, n) == 0;
}

static size_t remaining(const cursor *c) { return c->size - c->pos; }

static int rd(cursor *c, void *dst, size_t n)
{
    if (n > remaining(c))
        return 0;
    memcpy(dst, c->base + c->pos, n);
    c->pos += n;
    return 1;
}

/* Reads a GGUF string; what names the field in the error message. */
static chord_status rd_str(cursor *c, chord_gguf_str *s, const char *what)
{
    size_t at = c->pos;
    uint64_t len;
    if (!rd(c, &len, 8))
        return chord_fail(CHORD_ERR_FORMAT, "gguf: %s: string length at offset %zu runs past the end of the file", what,
                          at);
    if (len > remaining(c))
        return chord_fail(
            CHORD_ERR_FORMAT,
            "gguf: %s: string of length %llu at offset %zu runs past the end of the file (%zu bytes left)", what,
            (unsigned long long)len, at, remaining(c));
    s->len = len;
    s->ptr = (const char *)c->base + c->pos;
    c->pos += (size_t)len;
    return CHORD_OK;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
    return h;
}

static size_t hash_cap(int64_t n)
{
    size_t cap = 16;
    while (cap < (size_t)n * 2)
        cap <<= 1;
    return cap;
}

/* Skips (validating) one value of type t; arrays recurse up to MAX_ARRAY_DEPTH. */
static chord_status skip_value(cursor *c, uint32_t t, int depth, const char *key)
{
    if (t >= CHORD_GGUF_VTYPE_COUNT)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: key '%s': unknown value type %u at offset %zu", key, t, c->pos);
    if (vtype_sizes[t]) {
        if (vtype_sizes[t] > remaining(c))
            return chord_fail(CHORD_ERR_FORMAT, "gguf: key '%s': value at offset %zu runs past the end of the file",
                              key, c->pos);
        c->pos += vtype_sizes[t];
        return CHORD_OK;
    }
    if (t == CHORD_GGUF_STRING) {
        chord_gguf_str s;
        char what[192];
        snprintf(what, sizeof what, "key '%s'", key);
        return rd_str(c, &s, what);
    }
    if (depth >= MAX_ARRAY_DEPTH)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: key '%s': arrays nested deeper than %d", key, MAX_ARRAY_DEPTH);
    uint32_t et;
    uint64_t n;
    size_t at = c->pos;
    if (!rd(c, &et, 4) || !rd(c, &n, 8))
        return chord_fail(CHORD_ERR_FORMAT, "gguf: key '%s': array header at offset %zu runs past the end of the file",
                          key, at);
    if (et >= CHORD_GGUF_VTYPE_COUNT)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: key '%s': unknown array element type %u at offset %zu", key, et, at);
    /* Every element takes at least this many bytes, so a count the rest of the file cannot hold is rejected
     * before any loop runs over it. */
    size_t min_elem = vtype_sizes[et] ? vtype_sizes[et] : et == CHORD_GGUF_STRING ? 8 : 12;
    if (n > remaining(c) / min_elem)
        return chord_fail(
            CHORD_ERR_FORMAT,
            "gguf: key '%s': array of %llu elements at offset %zu cannot fit in the file (runs past the end)", key,
            (unsigned long long)n, at);
    if (vtype_sizes[et]) {
        c->pos += (size_t)n * vtype_sizes[et];
        return CHORD_OK;
    }
    for (uint64_t i = 0; i < n; i++)
        CHORD_TRY(skip_value(c, et, depth + 1, key));
    return CHORD_OK;
}

static chord_status parse_kv(chord_gguf *g, cursor *c, gguf_kv *kv, int64_t idx)
{
    char what[48];
    snprintf(what, sizeof what, "key #%lld", (long long)idx);
    CHORD_TRY(rd_str(c, &kv->key, what));
    if (kv->key.len == 0 || kv->key.len > MAX_KEY_LEN)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: key #%lld has invalid length %llu", (long long)idx,
                          (unsigned long long)kv->key.len);
    char key[160];
    snprintf(key, sizeof key, "%.*s", (int)(kv->key.len < 128 ? kv->key.len : 128), kv->key.ptr);
    uint32_t t;
    if (!rd(c, &t, 4))
        return chord_fail(CHORD_ERR_FORMAT, "gguf: key '%s': value type runs past the end of the file", key);
    if (t >= CHORD_GGUF_VTYPE_COUNT)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: key '%s': unknown value type %u", key, t);
    kv->type = (chord_gguf_vtype)t;
    kv->raw = c->base + c->pos;
    size_t start = c->pos;
    CHORD_TRY(skip_value(c, t, 0, key));
    if (t == CHORD_GGUF_ARRAY) {
        uint32_t et;
        memcpy(&et, c->base + start, 4);
        memcpy(&kv->n, c->base + start + 4, 8);
        kv->elem = (chord_gguf_vtype)et;
        kv->items = c->base + start + 12;
        if (et == CHORD_GGUF_STRING) {
            kv->strs = calloc(kv->n ? kv->n : 1, sizeof *kv->strs);
            if (!kv->strs)
                return chord_fail(CHORD_ERR_NOMEM, "gguf: key '%s': no memory for %llu strings", key,
                                  (unsigned long long)kv->n);
            cursor s = {c->base, c->size, start + 12};
            for (uint64_t i = 0; i < kv->n; i++)
                CHORD_TRY(rd_str(&s, &kv->strs[i], key)); /* cannot fail: skip_value validated them */
        }
    }
    (void)g;
    return CHORD_OK;
}

/* ggml's type names, for a clear message on a type chord does not implement (a valid file chord cannot read:
 * CHORD_ERR_UNSUPPORTED, not a format error); NULL for ids never assigned or retired. */
static const char *const ggml_type_names[] = {
    "f32",    "f16",   "q4_0",  "q4_1",   NULL,    NULL,    "q5_0",    "q5_1",   "q8_0",    "q8_1",
    "q2_K",   "q3_K",  "q4_K",  "q5_K",   "q6_K",  "q8_K",  "iq2_xxs", "iq2_xs", "iq3_xxs", "iq1_s",
    "iq4_nl", "iq3_s", "iq2_s", "iq4_xs", "i8",    "i16",   "i32",     "i64",    "f64",     "iq1_m",
    "bf16",   NULL,    NULL,    NULL,     "tq1_0", "tq2_0", NULL,      NULL,     NULL,      "mxfp4"};

static chord_status parse_tensor(cursor *c, chord_gguf_tensor *t, int64_t idx)
{
    char what[48];
    snprintf(what, sizeof what, "tensor #%lld name", (long long)idx);
    chord_gguf_str name = {0};
    CHORD_TRY(rd_str(c, &name, what));
    if (name.len == 0 || name.len >= sizeof t->name)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: tensor #%lld: name length %llu not in 1..%zu", (long long)idx,
                          (unsigned long long)name.len, sizeof t->name - 1);
    memcpy(t->name, name.ptr, (size_t)name.len);
    t->name[name.len] = 0;
    if (memchr(t->name, 0, (size_t)name.len))
        return chord_fail(CHORD_ERR_FORMAT, "gguf: tensor #%lld: name contains a NUL byte", (long long)idx);
    uint32_t n_dims;
    if (!rd(c, &n_dims, 4))
        return chord_fail(CHORD_ERR_FORMAT, "gguf: tensor '%s': n_dims runs past the end of the file", t->name);
    if (n_dims < 1 || n_dims > 4)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: tensor '%s': n_dims %u out of range 1..4", t->name, n_dims);
    t->n_dims = (int)n_dims;
    uint64_t n_el = 1;
    for (int d = 0; d < 4; d++) {
        uint64_t ne = 1;
        if (d < (int)n_dims && !rd(c, &ne, 8))
            return chord_fail(CHORD_ERR_FORMAT, "gguf: tensor '%s': dimensions run past the end of the file", t->name);
        if (ne == 0 || ne > (uint64_t)INT64_MAX)
            return chord_fail(CHORD_ERR_FORMAT, "gguf: tensor '%s': ne[%d] = %llu out of range (must be > 0)", t->name,
                              d, (unsigned long long)ne);
        if (n_el > (uint64_t)INT64_MAX / ne)
            return chord_fail(CHORD_ERR_FORMAT,
                              "gguf: tensor '%s': element count overflow at ne[%d] = %llu (product so far %llu)",
                              t->name, d, (unsigned long long)ne, (unsigned long long)n_el);
        n_el *= ne;
        t->ne[d] = (int64_t)ne;
    }
    uint32_t type;
    uint64_t offset;
    if (!rd(c, &type, 4) || !rd(c, &offset, 8))
        return chord_fail(CHORD_ERR_FORMAT, "gguf: tensor '%s': type/offset run past the end of the file", t->name);
    const chord_type_traits *tr = chord_type_info((int)type);
    if (tr->block_size == 0 || tr->internal) { /* chord's own layouts have ids no GGUF file may use */
        const char *known = type < sizeof ggml_type_names / sizeof ggml_type_names[0] ? ggml_type_names[type] : NULL;
        if (known)
            return chord_fail(CHORD_ERR_UNSUPPORTED, "gguf: tensor '%s': tensor type %u (%s) is not supported by chord",
                              t->name, type, known);
        return chord_fail(CHORD_ERR_FORMAT, "gguf: tensor '%s': unknown tensor type %u", t->name, type);
    }
    if (t->ne[0] % tr->block_size != 0)
        return chord_fail(CHORD_ERR_FORMAT,
                          "gguf: tensor '%s': ne[0] = %lld is not a multiple of the block size %d of %s", t->name,
                          (long long)t->ne[0], tr->block_size, tr->name);
    /* Checked: f32 with ne[0] near 2^63 would wrap (ne[0] * 4). */
    uint64_t blocks = (uint64_t)t->ne[0] / (uint64_t)tr->block_size;
    uint64_t rows = n_el / (uint64_t)t->ne[0];
    if (blocks > UINT64_MAX / tr->type_size || (rows && blocks * tr->type_size > (uint64_t)SIZE_MAX / rows))
        return chord_fail(CHORD_ERR_FORMAT, "gguf: tensor '%s': byte size overflow (%llu elements of %s)", t->name,
                          (unsigned long long)n_el, tr->name);
    uint64_t row = blocks * tr->type_size;
    t->type = (chord_type)type;
    t->offset = offset;
    t->bytes = (size_t)(row * rows);
    return CHORD_OK;
}

static chord_status build_hash(uint32_t **table, size_t *cap, int64_t n,
                               chord_gguf_str (*name_of)(const chord_gguf *, int64_t), const chord_gguf *g,
                               const char *what)
{
    *cap = hash_cap(n);
    *table = calloc(*cap, sizeof **table);
    if (!*table)
        return chord_fail(CHORD_ERR_NOMEM, "gguf: no memory for the %s index", what);
    for (int64_t i = 0; i < n; i++) {
        chord_gguf_str s = name_of(g, i);
        size_t h = (size_t)hash_bytes(s.ptr, (size_t)s.len) & (*cap - 1);
        while ((*table)[h]) {
            chord_gguf_str o = name_of(g, (*table)[h] - 1);
            if (o.len == s.len && memcmp(o.ptr, s.ptr, (size_t)s.len) == 0)
                return chord_fail(CHORD_ERR_FORMAT, "gguf: duplicate %s '%.*s'", what, (int)(s.len < 200 ? s.len : 200),
                                  s.ptr);
            h = (h + 1) & (*cap - 1);
        }
        (*table)[h] = (uint32_t)(i + 1);
    }
    return CHORD_OK;
}

static chord_gguf_str kv_name(const chord_gguf *g, int64_t i) { return g->kv[i].key; }

static chord_gguf_str tensor_name(const chord_gguf *g, int64_t i)
{
    chord_gguf_str s = {strlen(g->tensors[i].name), g->tensors[i].name};
    return s;
}

static int64_t lookup(const uint32_t *table, size_t cap, const chord_gguf *g, const char *name,
                      chord_gguf_str (*name_of)(const chord_gguf *, int64_t))
{
    if (!table || !name)
        return -1;
    size_t n = strlen(name);
    size_t h = (size_t)hash_bytes(name, n) & (cap - 1);
    while (table[h]) {
        chord_gguf_str o = name_of(g, table[h] - 1);
        if (o.len == n && memcmp(o.ptr, name, n) == 0)
            return table[h] - 1;
        h = (h + 1) & (cap - 1);
    }
    return -1;
}

static int cmp_offset(const void *a, const void *b)
{
    const chord_gguf_tensor *x = *(const chord_gguf_tensor *const *)a, *y = *(const chord_gguf_tensor *const *)b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static chord_status check_alignment_kv(chord_gguf *g)
{
    int64_t i = lookup(g->kv_hash, g->kv_hash_cap, g, "general.alignment", kv_name);
    g->alignment = CHORD_GGUF_DEFAULT_ALIGNMENT;
    if (i < 0)
        return CHORD_OK;
    if (g->kv[i].type != CHORD_GGUF_UINT32)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: general.alignment has type %s, expected u32",
                          chord_gguf_vtype_name(g->kv[i].type));
    uint32_t a;
    memcpy(&a, g->kv[i].raw, 4);
    if (a == 0 || (a & (a - 1)) != 0)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: general.alignment %u is not a power of two", a);
    g->alignment = a;
    return CHORD_OK;
}

static chord_status check_tensors(chord_gguf *g)
{
    uint64_t data_size = g->size - g->data_offset;
    for (int64_t i = 0; i < g->n_tensors; i++) {
        chord_gguf_tensor *t = &g->tensors[i];
        if (t->offset % g->alignment != 0)
            return chord_fail(CHORD_ERR_FORMAT, "gguf: tensor '%s': offset %llu is misaligned (alignment %u)", t->name,
                              (unsigned long long)t->offset, g->alignment);
        if (t->offset > data_size || t->bytes > data_size - t->offset)
            return chord_fail(CHORD_ERR_FORMAT,
                              "gguf: tensor '%s': data [%llu, +%zu) out of range: the data section has %llu bytes",
                              t->name, (unsigned long long)t->offset, t->bytes, (unsigned long long)data_size);
        t->data = g->base + g->data_offset + t->offset;
    }
    if (g->n_tensors < 2)
        return CHORD_OK;
    chord_gguf_tensor **order = malloc((size_t)g->n_tensors * sizeof *order);
    if (!order)
        return chord_fail(CHORD_ERR_NOMEM, "gguf: no memory to sort tensors");
    for (int64_t i = 0; i < g->n_tensors; i++)
        order[i] = &g->tensors[i];
    qsort(order, (size_t)g->n_tensors, sizeof *order, cmp_offset);
    chord_status st = CHORD_OK;
    for (int64_t i = 0; i + 1 < g->n_tensors && st == CHORD_OK; i++)
        if (order[i]->offset + order[i]->bytes > order[i + 1]->offset)
            st =
                chord_fail(CHORD_ERR_FORMAT, "gguf: tensors '%s' and '%s' overlap", order[i]->name, order[i + 1]->name);
    free(order);
    return st;
}

static chord_status parse(chord_gguf *g)
{
    cursor c = {g->base, g->size, 0};
    uint32_t magic, version;
    uint64_t n_tensors, n_kv;
    if (!rd(&c, &magic, 4))
        return chord_fail(CHORD_ERR_FORMAT, "gguf: file of %zu bytes is too small for the header", g->size);
    if (magic != CHORD_GGUF_MAGIC)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: bad magic 0x%08x (expected \"GGUF\")", magic);
    if (!rd(&c, &version, 4))
        return chord_fail(CHORD_ERR_FORMAT, "gguf: file of %zu bytes is too small for the header", g->size);
    if (version == 1)
        return chord_fail(CHORD_ERR_FORMAT,
                          "gguf: unsupported version 1 (v1 used 32-bit counts; only versions 2 and 3 are read)");
    if ((version & 0xffff) == 0 && version != 0)
        return chord_fail(CHORD_ERR_FORMAT,
                          "gguf: version 0x%08x looks byte-swapped: big-endian files are not supported", version);
    if (version != 2 && version != 3)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: unsupported version %u (only versions 2 and 3)", version);
    g->version = version;
    if (!rd(&c, &n_tensors, 8) || !rd(&c, &n_kv, 8))
        return chord_fail(CHORD_ERR_FORMAT, "gguf: file of %zu bytes is too small for the header", g->size);
    /* A kv takes at least 8 (key length) + 1 (key) + 4 (type) + 1 (value) bytes; a tensor info at least
     * 8 + 1 + 4 + 8 + 4 + 8. */
    if (n_kv > remaining(&c) / 14)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: metadata count %llu cannot fit in the file (%zu bytes)",
                          (unsigned long long)n_kv, g->size);
    if (n_tensors > (remaining(&c) - n_kv * 14) / 33)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: tensor count %llu cannot fit in the file (%zu bytes)",
                          (unsigned long long)n_tensors, g->size);
    /* The name indexes store 32-bit indices. */
    if (n_kv >= UINT32_MAX / 2 || n_tensors >= UINT32_MAX / 2)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: %llu keys / %llu tensors exceed what this reader indexes",
                          (unsigned long long)n_kv, (unsigned long long)n_tensors);
    g->kv = calloc(n_kv ? n_kv : 1, sizeof *g->kv);
    g->tensors = calloc(n_tensors ? n_tensors : 1, sizeof *g->tensors);
    if (!g->kv || !g->tensors)
        return chord_fail(CHORD_ERR_NOMEM, "gguf: no memory for %llu keys and %llu tensors", (unsigned long long)n_kv,
                          (unsigned long long)n_tensors);
    for (uint64_t i = 0; i < n_kv; i++) {
        CHORD_TRY(parse_kv(g, &c, &g->kv[i], (int64_t)i));
        g->n_kv = (int64_t)i + 1;
    }
    CHORD_TRY(build_hash(&g->kv_hash, &g->kv_hash_cap, g->n_kv, kv_name, g, "key"));
    CHORD_TRY(check_alignment_kv(g));
    for (uint64_t i = 0; i < n_tensors; i++) {
        CHORD_TRY(parse_tensor(&c, &g->tensors[i], (int64_t)i));
        g->n_tensors = (int64_t)i + 1;
    }
    CHORD_TRY(build_hash(&g->tensor_hash, &g->tensor_hash_cap, g->n_tensors, tensor_name, g, "tensor name"));
    size_t pad = (g->alignment - c.pos % g->alignment) % g->alignment;
    if (g->n_tensors > 0 && pad > remaining(&c))
        return chord_fail(CHORD_ERR_FORMAT,
                          "gguf: data section start (offset %zu aligned to %u) is past the end of the file", c.pos,
                          g->alignment);
    g->data_offset = pad > remaining(&c) ? g->size : c.pos + pad;
    return check_tensors(g);
}

chord_status chord_gguf_open_memory(const void *data, size_t size, chord_gguf **out)
{
    if (!out || (!data && size))
        return chord_fail(CHORD_ERR_INVALID, "gguf: NULL argument");
    *out = NULL;
    chord_gguf *g = calloc(1, sizeof *g);
    if (!g)
        return chord_fail(CHORD_ERR_NOMEM, "gguf: no memory");
    static const uint8_t empty[1];
    g->base = data ? data : empty;
    g->size = size;
    chord_status st = parse(g);
    if (st != CHORD_OK) {
        chord_gguf_close(g);
        return st;
    }
    *out = g;
    return CHORD_OK;
}

chord_status chord_gguf_open(const char *path, chord_gguf **out)
{
    if (!path || !out)
        return chord_fail(CHORD_ERR_INVALID, "gguf: NULL argument");
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return chord_fail(CHORD_ERR_IO, "gguf: cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return chord_fail(CHORD_ERR_IO, "gguf: cannot stat '%s': %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return chord_fail(CHORD_ERR_IO, "gguf: '%s' is not a regular file", path);
    }
    size_t size = (size_t)st.st_size;
    if (size == 0) {
        close(fd);
        return chord_fail(CHORD_ERR_FORMAT, "gguf: '%s' is empty: too small for the header", path);
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return chord_fail(CHORD_ERR_IO, "gguf: cannot map '%s': %s", path, strerror(errno));
    chord_status s = chord_gguf_open_memory(map, size, out);
    if (s != CHORD_OK) {
        munmap(map, size);
        return chord_fail(s, "%s: %s", path, chord_last_error());
    }
    (*out)->mapped = 1;
    return CHORD_OK;
}

void chord_gguf_close(chord_gguf *g)
{
    if (!g)
        return;
    if (g->kv)
        for (int64_t i = 0; i < g->n_kv; i++)
            free(g->kv[i].strs);
    free(g->kv);
    free(g->tensors);
    free(g->kv_hash);
    free(g->tensor_hash);
    if (g->mapped)
        munmap((void *)g->base, g->size);
    free(g);
}

uint32_t chord_gguf_version(const chord_gguf *g) { return g->version; }
uint32_t chord_gguf_alignment(const chord_gguf *g) { return g->alignment; }
size_t chord_gguf_data_offset(const chord_gguf *g) { return g->data_offset; }
size_t chord_gguf_file_size(const chord_gguf *g) { return g->size; }
int64_t chord_gguf_n_tensors(const chord_gguf *g) { return g->n_tensors; }
int64_t chord_gguf_n_kv(const chord_gguf *g) { return g->n_kv; }

const chord_gguf_tensor *chord_gguf_tensor_at(const chord_gguf *g, int64_t i)
{
    return i >= 0 && i < g->n_tensors ? &g->tensors[i] : NULL;
}

const chord_gguf_tensor *chord_gguf_find_tensor(const chord_gguf *g, const char *name)
{
    int64_t i = lookup(g->tensor_hash, g->tensor_hash_cap, g, name, tensor_name);
    return i < 0 ? NULL : &g->tensors[i];
}

chord_gguf_str chord_gguf_kv_key(const chord_gguf *g, int64_t i) { return g->kv[i].key; }
chord_gguf_vtype chord_gguf_kv_type(const chord_gguf *g, int64_t i) { return g->kv[i].type; }
const void *chord_gguf_kv_raw(const chord_gguf *g, int64_t i) { return g->kv[i].raw; }

void chord_gguf_kv_array_info(const chord_gguf *g, int64_t i, chord_gguf_vtype *elem, uint64_t *n)
{
    *elem = g->kv[i].elem;
    *n = g->kv[i].n;
}

chord_status chord_gguf_kv_array(const chord_gguf *g, int64_t i, chord_gguf_vtype *elem, uint64_t *n, const void **data)
{
    if (i < 0 || i >= g->n_kv || g->kv[i].type != CHORD_GGUF_ARRAY)
        return chord_fail(CHORD_ERR_INVALID, "gguf: metadata #%lld is not an array", (long long)i);
    *elem = g->kv[i].elem;
    *n = g->kv[i].n;
    *data = g->kv[i].elem == CHORD_GGUF_STRING ? (const void *)g->kv[i].strs : (const void *)g->kv[i].items;
    return CHORD_OK;
}

int chord_gguf_has(const chord_gguf *g, const char *key)
{
    return lookup(g->kv_hash, g->kv_hash_cap, g, key, kv_name) >= 0;
}

static chord_status find_kv(const chord_gguf *g, const char *key, const gguf_kv **kv)
{
    int64_t i = lookup(g->kv_hash, g->kv_hash_cap, g, key, kv_name);
    if (i < 0)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: missing key '%s'", key ? key : "(null)");
    *kv = &g->kv[i];
    return CHORD_OK;
}

/* The refusal of a key whose stored type is not what was asked for (`expected`, in words). */
static chord_status wrong_type(const char *key, const gguf_kv *kv, const char *expected)
{
    return chord_fail(CHORD_ERR_FORMAT, "gguf: key '%s' has type %s, expected %s", key, chord_gguf_vtype_name(kv->type),
                      expected);
}

/* find_kv for a key that must be stored as type. */
static chord_status find_kv_of(const chord_gguf *g, const char *key, chord_gguf_vtype type, const char *expected,
                               const gguf_kv **kv)
{
    CHORD_TRY(find_kv(g, key, kv));
    return (*kv)->type == type ? CHORD_OK : wrong_type(key, *kv, expected);
}

/* One case of scalar_int: the value is stored as T (little-endian, as the host reads it). */
#define SCALAR_AS(T)             \
    {                            \
        T v;                     \
        memcpy(&v, p, sizeof v); \
        *out = v;                \
        return 1;                \
    }

static int scalar_int(const gguf_kv *kv, int64_t *out)
{
    const uint8_t *p = kv->raw;
    switch (kv->type) {
    case CHORD_GGUF_UINT8: *out = p[0]; return 1;
    case CHORD_GGUF_INT8: *out = (int8_t)p[0]; return 1;
    case CHORD_GGUF_BOOL: *out = p[0] != 0; return 1;
    case CHORD_GGUF_UINT16: SCALAR_AS(uint16_t)
    case CHORD_GGUF_INT16: SCALAR_AS(int16_t)
    case CHORD_GGUF_UINT32: SCALAR_AS(uint32_t)
    case CHORD_GGUF_INT32: SCALAR_AS(int32_t)
    case CHORD_GGUF_INT64: SCALAR_AS(int64_t)
    case CHORD_GGUF_UINT64: {
        uint64_t v;
        memcpy(&v, p, 8);
        if (v > (uint64_t)INT64_MAX)
            return 0;
        *out = (int64_t)v;
        return 1;
    }
    default: return 0;
    }
}
#undef SCALAR_AS

chord_status chord_gguf_require_keys(const chord_gguf *g, const char *const *keys)
{
    char missing[512] = "";
    size_t len = 0;
    int n_missing = 0, n = 0;
    for (; keys[n]; n++) {
        if (chord_gguf_has(g, keys[n]))
            continue;
        n_missing++;
        if (len < sizeof missing)
            len += (size_t)snprintf(missing + len, sizeof missing - len, "%s'%s'", n_missing > 1 ? ", " : "", keys[n]);
    }
    if (n_missing)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: missing required key%s %s (%d of %d required keys absent)",
                          n_missing > 1 ? "s" : "", missing, n_missing, n);
    return CHORD_OK;
}

chord_status chord_gguf_get_int(const chord_gguf *g, const char *key, int64_t *out)
{
    const gguf_kv *kv = NULL;
    CHORD_TRY(find_kv(g, key, &kv));
    if (!scalar_int(kv, out))
        return wrong_type(key, kv, "an integer (or too large)");
    return CHORD_OK;
}

chord_status chord_gguf_get_float(const chord_gguf *g, const char *key, double *out)
{
    const gguf_kv *kv = NULL;
    CHORD_TRY(find_kv(g, key, &kv));
    int64_t i;
    if (kv->type == CHORD_GGUF_FLOAT32) {
        float f;
        memcpy(&f, kv->raw, 4);
        *out = f;
    } else if (kv->type == CHORD_GGUF_FLOAT64) {
        memcpy(out, kv->raw, 8);
    } else if (kv->type != CHORD_GGUF_BOOL && scalar_int(kv, &i)) {
        *out = (double)i;
    } else {
        return wrong_type(key, kv, "a number");
    }
    return CHORD_OK;
}

chord_status chord_gguf_get_str(const chord_gguf *g, const char *key, chord_gguf_str *out)
{
    const gguf_kv *kv = NULL;
    CHORD_TRY(find_kv_of(g, key, CHORD_GGUF_STRING, "a string", &kv));
    memcpy(&out->len, kv->raw, 8);
    out->ptr = (const char *)kv->raw + 8;
    return CHORD_OK;
}

chord_status chord_gguf_get_array(const chord_gguf *g, const char *key, chord_gguf_vtype *elem, uint64_t *n,
                                  const void **data)
{
    const gguf_kv *kv = NULL;
    CHORD_TRY(find_kv_of(g, key, CHORD_GGUF_ARRAY, "an array", &kv));
    *elem = kv->elem;
    *n = kv->n;
    *data = kv->elem == CHORD_GGUF_STRING ? (const void *)kv->strs : (const void *)kv->items;
    return CHORD_OK;
}

chord_status chord_gguf_get_str_array(const chord_gguf *g, const char *key, uint64_t *n, const chord_gguf_str **items)
{
    const gguf_kv *kv = NULL;
    CHORD_TRY(find_kv(g, key, &kv));
    if (kv->type != CHORD_GGUF_ARRAY || kv->elem != CHORD_GGUF_STRING)
        return chord_fail(CHORD_ERR_FORMAT, "gguf: key '%s' is not an array of strings", key);
    *n = kv->n;
    *items = kv->strs;
    return CHORD_OK;
}
