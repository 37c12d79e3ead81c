/* GGUF v3 writer. Metadata is serialized into one growing buffer as it is set (so the writer holds the header
 * bytes, never tensor data); tensor infos keep the caller's data pointer (or none, for streaming). Offsets are
 * assigned as tensors are added: each tensor starts at a multiple of the alignment from the data section. */
#include "gguf_write.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAME 127 /* the reader keeps names in char[128] */

typedef struct {
    char name[MAX_NAME + 1];
    chord_type type;
    int n_dims;
    int64_t ne[4];
    uint64_t offset, bytes;
    const void *data;
} wtensor;

struct chord_gguf_writer {
    uint8_t *meta; /* serialized kvs */
    size_t meta_len, meta_cap;
    char **keys;
    uint64_t n_kv, keys_cap;
    wtensor *tensors;
    uint64_t n_tensors, tensors_cap;
    uint32_t alignment;
    uint64_t data_size; /* offset after the last tensor, padded */
    /* streaming state */
    FILE *f;
    uint64_t cur, cur_done; /* tensor being written, bytes of it written */
    uint64_t written;       /* bytes written so far */
};

static chord_status grow(void **p, uint64_t *cap, uint64_t need, size_t elem)
{
    if (need <= *cap)
        return CHORD_OK;
    uint64_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, (size_t)c * elem);
    if (!q)
        return chord_fail(CHORD_ERR_NOMEM, "gguf writer: no memory for %llu items", (unsigned long long)c);
    *p = q;
    *cap = c;
    return CHORD_OK;
}

static chord_status put(chord_gguf_writer *w, const void *bytes, size_t n)
{
    uint64_t cap = w->meta_cap;
    CHORD_TRY(grow((void **)&w->meta, &cap, (uint64_t)w->meta_len + n, 1));
    w->meta_cap = (size_t)cap;
    memcpy(w->meta + w->meta_len, bytes, n);
    w->meta_len += n;
    return CHORD_OK;
}

static chord_status put_str(chord_gguf_writer *w, const char *s)
{
    uint64_t len = strlen(s);
    CHORD_TRY(put(w, &len, 8));
    return put(w, s, (size_t)len);
}

chord_status chord_gguf_writer_create(chord_gguf_writer **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return chord_fail(CHORD_ERR_NOMEM, "gguf writer: no memory");
    (*out)->alignment = CHORD_GGUF_DEFAULT_ALIGNMENT;
    return CHORD_OK;
}

void chord_gguf_writer_free(chord_gguf_writer *w)
{
    if (!w)
        return;
    for (uint64_t i = 0; i < w->n_kv; i++)
        free(w->keys[i]);
    free(w->keys);
    free(w->meta);
    free(w->tensors);
    free(w);
}

/* Starts a kv: checks the key is new, records it, serializes key and type. */
static chord_status begin_kv(chord_gguf_writer *w, const char *key, chord_gguf_vtype type)
{
    if (w->f)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: key '%s' set after writing began", key);
    if (!key || !*key)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: empty key");
    if ((unsigned)type >= CHORD_GGUF_VTYPE_COUNT)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: key '%s': unknown value type %d", key, (int)type);
    for (uint64_t i = 0; i < w->n_kv; i++)
        if (!strcmp(w->keys[i], key))
            return chord_fail(CHORD_ERR_INVALID, "gguf writer: key '%s' set twice", key);
    CHORD_TRY(grow((void **)&w->keys, &w->keys_cap, w->n_kv + 1, sizeof *w->keys));
    if (!(w->keys[w->n_kv] = strdup(key)))
        return chord_fail(CHORD_ERR_NOMEM, "gguf writer: no memory");
    w->n_kv++;
    uint32_t t = (uint32_t)type;
    CHORD_TRY(put_str(w, key));
    return put(w, &t, 4);
}

chord_status chord_gguf_set_scalar(chord_gguf_writer *w, const char *key, chord_gguf_vtype type, const void *v)
{
    size_t n = chord_gguf_vtype_size(type);
    if (n == 0)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: key '%s': %s is not a fixed-size scalar type", key,
                          chord_gguf_vtype_name(type));
    CHORD_TRY(begin_kv(w, key, type));
    return put(w, v, n);
}

chord_status chord_gguf_set_u32(chord_gguf_writer *w, const char *key, uint32_t v)
{
    return chord_gguf_set_scalar(w, key, CHORD_GGUF_UINT32, &v);
}

chord_status chord_gguf_set_i32(chord_gguf_writer *w, const char *key, int32_t v)
{
    return chord_gguf_set_scalar(w, key, CHORD_GGUF_INT32, &v);
}

chord_status chord_gguf_set_u64(chord_gguf_writer *w, const char *key, uint64_t v)
{
    return chord_gguf_set_scalar(w, key, CHORD_GGUF_UINT64, &v);
}

chord_status chord_gguf_set_f32(chord_gguf_writer *w, const char *key, float v)
{
    return chord_gguf_set_scalar(w, key, CHORD_GGUF_FLOAT32, &v);
}

chord_status chord_gguf_set_bool(chord_gguf_writer *w, const char *key, int v)
{
    uint8_t b = v != 0;
    return chord_gguf_set_scalar(w, key, CHORD_GGUF_BOOL, &b);
}

chord_status chord_gguf_set_str(chord_gguf_writer *w, const char *key, const char *v)
{
    CHORD_TRY(begin_kv(w, key, CHORD_GGUF_STRING));
    return put_str(w, v);
}

chord_status chord_gguf_set_array(chord_gguf_writer *w, const char *key, chord_gguf_vtype elem, const void *data,
                                  uint64_t n)
{
    size_t es = chord_gguf_vtype_size(elem);
    if (es == 0)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: key '%s': arrays of %s need set_str_array or set_raw", key,
                          chord_gguf_vtype_name(elem));
    if (n > SIZE_MAX / es)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: key '%s': array too large", key);
    CHORD_TRY(begin_kv(w, key, CHORD_GGUF_ARRAY));
    uint32_t et = (uint32_t)elem;
    CHORD_TRY(put(w, &et, 4));
    CHORD_TRY(put(w, &n, 8));
    return n ? put(w, data, (size_t)n * es) : CHORD_OK;
}

chord_status chord_gguf_set_str_array(chord_gguf_writer *w, const char *key, const char *const *items, uint64_t n)
{
    CHORD_TRY(begin_kv(w, key, CHORD_GGUF_ARRAY));
    uint32_t et = CHORD_GGUF_STRING;
    CHORD_TRY(put(w, &et, 4));
    CHORD_TRY(put(w, &n, 8));
    for (uint64_t i = 0; i < n; i++)
        CHORD_TRY(put_str(w, items[i]));
    return CHORD_OK;
}

chord_status chord_gguf_set_raw(chord_gguf_writer *w, const char *key, chord_gguf_vtype type, const void *bytes,
                                size_t n)
{
    CHORD_TRY(begin_kv(w, key, type));
    return n ? put(w, bytes, n) : CHORD_OK;
}

chord_status chord_gguf_writer_set_alignment(chord_gguf_writer *w, uint32_t alignment)
{
    if (alignment == 0 || (alignment & (alignment - 1)))
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: alignment %u is not a power of two", alignment);
    if (w->n_tensors)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: alignment set after tensors were added");
    CHORD_TRY(chord_gguf_set_u32(w, "general.alignment", alignment));
    w->alignment = alignment;
    return CHORD_OK;
}

static uint64_t pad_to(uint64_t x, uint32_t a) { return (x + a - 1) / a * a; }

chord_status chord_gguf_add_tensor(chord_gguf_writer *w, const char *name, chord_type type, int n_dims,
                                   const int64_t *ne, const void *data)
{
    if (w->f)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: tensor '%s' added after writing began", name);
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > MAX_NAME)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: tensor name length %zu not in 1..%d", len, MAX_NAME);
    if (n_dims < 1 || n_dims > 4)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: tensor '%s': n_dims %d not in 1..4", name, n_dims);
    const chord_type_traits *tr = chord_type_info((int)type);
    if (tr->block_size == 0)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: tensor '%s': unsupported type %d", name, (int)type);
    uint64_t n_el = 1;
    for (int d = 0; d < n_dims; d++) {
        if (ne[d] <= 0 || n_el > (uint64_t)INT64_MAX / (uint64_t)ne[d])
            return chord_fail(CHORD_ERR_INVALID, "gguf writer: tensor '%s': bad dimension ne[%d] = %lld", name, d,
                              (long long)ne[d]);
        n_el *= (uint64_t)ne[d];
    }
    if (ne[0] % tr->block_size)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: tensor '%s': ne[0] = %lld is not a multiple of %d (%s)",
                          name, (long long)ne[0], tr->block_size, tr->name);
    for (uint64_t i = 0; i < w->n_tensors; i++)
        if (!strcmp(w->tensors[i].name, name))
            return chord_fail(CHORD_ERR_INVALID, "gguf writer: tensor '%s' added twice", name);
    uint64_t blocks = n_el / (uint64_t)tr->block_size;
    if (blocks > (UINT64_MAX / 2) / tr->type_size)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: tensor '%s': too large", name);
    CHORD_TRY(grow((void **)&w->tensors, &w->tensors_cap, w->n_tensors + 1, sizeof *w->tensors));
    wtensor *t = &w->tensors[w->n_tensors++];
    memset(t, 0, sizeof *t);
    memcpy(t->name, name, len);
    t->type = type;
    t->n_dims = n_dims;
    for (int d = 0; d < 4; d++)
        t->ne[d] = d < n_dims ? ne[d] : 1;
    t->bytes = blocks * tr->type_size;
    t->offset = w->data_size;
    t->data = data;
    w->data_size = pad_to(t->offset + t->bytes, w->alignment);
    return CHORD_OK;
}

uint64_t chord_gguf_writer_data_offset(const chord_gguf_writer *w)
{
    uint64_t n = 4 + 4 + 8 + 8 + w->meta_len;
    for (uint64_t i = 0; i < w->n_tensors; i++)
        n += 8 + strlen(w->tensors[i].name) + 4 + 8 * (uint64_t)w->tensors[i].n_dims + 4 + 8;
    return pad_to(n, w->alignment);
}

uint64_t chord_gguf_writer_file_size(const chord_gguf_writer *w)
{
    return chord_gguf_writer_data_offset(w) + w->data_size;
}

static chord_status out(chord_gguf_writer *w, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, w->f) != n)
        return chord_fail(CHORD_ERR_IO, "gguf writer: write failed after %llu bytes: %s",
                          (unsigned long long)w->written, strerror(errno));
    w->written += n;
    return CHORD_OK;
}

static chord_status out_zeros(chord_gguf_writer *w, uint64_t n)
{
    static const uint8_t zeros[256];
    while (n) {
        size_t k = n < sizeof zeros ? (size_t)n : sizeof zeros;
        CHORD_TRY(out(w, zeros, k));
        n -= k;
    }
    return CHORD_OK;
}

chord_status chord_gguf_write_begin(chord_gguf_writer *w, FILE *f)
{
    if (w->f)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: writing already began");
    w->f = f;
    w->written = 0;
    w->cur = 0;
    w->cur_done = 0;
    uint32_t magic = CHORD_GGUF_MAGIC, version = 3;
    CHORD_TRY(out(w, &magic, 4));
    CHORD_TRY(out(w, &version, 4));
    CHORD_TRY(out(w, &w->n_tensors, 8));
    CHORD_TRY(out(w, &w->n_kv, 8));
    CHORD_TRY(out(w, w->meta, w->meta_len));
    for (uint64_t i = 0; i < w->n_tensors; i++) {
        const wtensor *t = &w->tensors[i];
        uint64_t len = strlen(t->name);
        uint32_t n_dims = (uint32_t)t->n_dims, type = (uint32_t)t->type;
        CHORD_TRY(out(w, &len, 8));
        CHORD_TRY(out(w, t->name, (size_t)len));
        CHORD_TRY(out(w, &n_dims, 4));
        CHORD_TRY(out(w, t->ne, 8 * (size_t)n_dims));
        CHORD_TRY(out(w, &type, 4));
        CHORD_TRY(out(w, &t->offset, 8));
    }
    return out_zeros(w, pad_to(w->written, w->alignment) - w->written);
}

chord_status chord_gguf_write_data(chord_gguf_writer *w, const void *bytes, size_t n)
{
    if (!w->f)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: write_data before write_begin");
    const uint8_t *p = bytes;
    while (n) {
        if (w->cur >= w->n_tensors)
            return chord_fail(CHORD_ERR_INVALID, "gguf writer: %zu bytes of data beyond the last tensor", n);
        wtensor *t = &w->tensors[w->cur];
        uint64_t left = t->bytes - w->cur_done;
        size_t k = n < left ? n : (size_t)left;
        CHORD_TRY(out(w, p, k));
        p += k;
        n -= k;
        w->cur_done += k;
        if (w->cur_done == t->bytes) {
            uint64_t end = t->offset + t->bytes;
            CHORD_TRY(out_zeros(w, pad_to(end, w->alignment) - end));
            w->cur++;
            w->cur_done = 0;
        }
    }
    return CHORD_OK;
}

chord_status chord_gguf_write_end(chord_gguf_writer *w)
{
    if (!w->f)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: write_end before write_begin");
    FILE *f = w->f;
    w->f = NULL;
    if (w->cur < w->n_tensors)
        return chord_fail(CHORD_ERR_INVALID, "gguf writer: tensor '%s' got %llu of %llu bytes", w->tensors[w->cur].name,
                          (unsigned long long)w->cur_done, (unsigned long long)w->tensors[w->cur].bytes);
    if (fflush(f) != 0 || ferror(f))
        return chord_fail(CHORD_ERR_IO, "gguf writer: write failed: %s", strerror(errno));
    return CHORD_OK;
}

static chord_status write_all(chord_gguf_writer *w, FILE *f)
{
    for (uint64_t i = 0; i < w->n_tensors; i++)
        if (!w->tensors[i].data)
            return chord_fail(CHORD_ERR_INVALID, "gguf writer: tensor '%s' has no data (stream it instead)",
                              w->tensors[i].name);
    chord_status s = chord_gguf_write_begin(w, f);
    for (uint64_t i = 0; i < w->n_tensors && s == CHORD_OK; i++)
        s = chord_gguf_write_data(w, w->tensors[i].data, (size_t)w->tensors[i].bytes);
    if (s != CHORD_OK) {
        w->f = NULL;
        return s;
    }
    return chord_gguf_write_end(w);
}

chord_status chord_gguf_write_file(chord_gguf_writer *w, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return chord_fail(CHORD_ERR_IO, "gguf writer: cannot create '%s': %s", path, strerror(errno));
    chord_status s = write_all(w, f);
    if (fclose(f) != 0 && s == CHORD_OK)
        s = chord_fail(CHORD_ERR_IO, "gguf writer: closing '%s' failed: %s", path, strerror(errno));
    return s;
}

chord_status chord_gguf_write_memory(chord_gguf_writer *w, void **buf, size_t *size)
{
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    if (!f)
        return chord_fail(CHORD_ERR_NOMEM, "gguf writer: open_memstream failed: %s", strerror(errno));
    chord_status s = write_all(w, f);
    fclose(f);
    if (s != CHORD_OK) {
        free(p);
        return s;
    }
    *buf = p;
    *size = n;
    return CHORD_OK;
}
