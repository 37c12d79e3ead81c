/* See support_crafted.h. */
#include "support_crafted.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gguf_write.h"
#include "synth.h"

static char tiny_path[64];

static void remove_tiny(void)
{
    remove(tiny_path);
}

const char *crafted_tiny_path(void)
{
    if (tiny_path[0])
        return tiny_path;
    snprintf(tiny_path, sizeof tiny_path, "/tmp/chord_test_tiny_%d.gguf", (int)getpid());
    const chord_synth_params sp = {CHORD_TYPE_Q8_0, 7, 0};
    if (chord_synth_write(chord_synth_find_shape("tiny"), &sp, tiny_path) != CHORD_OK) {
        tiny_path[0] = 0;
        return NULL;
    }
    atexit(remove_tiny);
    return tiny_path;
}

const void *crafted_str(const char *s, size_t *bytes)
{
    static unsigned char buf[8 + 4096];
    uint64_t len = strlen(s);
    if (len > 4096)
        len = 4096;
    memcpy(buf, &len, 8);
    memcpy(buf + 8, s, (size_t)len);
    *bytes = 8 + (size_t)len;
    return buf;
}

/* The serialized size of kv i's value (the tiny model has no nested arrays). */
static size_t value_bytes(const chord_gguf *g, int64_t i)
{
    const chord_gguf_vtype t = chord_gguf_kv_type(g, i);
    if (t == CHORD_GGUF_STRING) {
        uint64_t len;
        memcpy(&len, chord_gguf_kv_raw(g, i), 8);
        return 8 + (size_t)len;
    }
    if (t != CHORD_GGUF_ARRAY)
        return chord_gguf_vtype_size(t);
    chord_gguf_vtype elem;
    uint64_t n;
    const void *data;
    if (chord_gguf_kv_array(g, i, &elem, &n, &data) != CHORD_OK)
        return 0;
    size_t bytes = 12;
    if (elem != CHORD_GGUF_STRING)
        return bytes + (size_t)n * chord_gguf_vtype_size(elem);
    for (uint64_t k = 0; k < n; k++)
        bytes += 8 + (size_t)((const chord_gguf_str *)data)[k].len;
    return bytes;
}

static chord_status copy_edited(const chord_gguf *g, const crafted_edit *e, chord_gguf_writer *w)
{
    int key_done = 0;
    for (int64_t i = 0; i < chord_gguf_n_kv(g); i++) {
        const chord_gguf_str k = chord_gguf_kv_key(g, i);
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)k.len, k.ptr); /* the tiny model's keys are short, NUL-free */
        if (e->key && !strcmp(key, e->key)) {
            CHORD_TRY(chord_gguf_set_raw(w, key, e->type, e->value, e->value_bytes));
            key_done = 1;
        } else {
            CHORD_TRY(chord_gguf_set_raw(w, key, chord_gguf_kv_type(g, i), chord_gguf_kv_raw(g, i), value_bytes(g, i)));
        }
    }
    if (e->key && !key_done)
        CHORD_TRY(chord_gguf_set_raw(w, e->key, e->type, e->value, e->value_bytes));
    for (int64_t i = 0; i < chord_gguf_n_tensors(g); i++) {
        const chord_gguf_tensor *t = chord_gguf_tensor_at(g, i);
        int64_t ne[4];
        memcpy(ne, t->ne, sizeof ne);
        if (e->tensor && !strcmp(t->name, e->tensor))
            ne[t->n_dims - 1] = e->rows;
        CHORD_TRY(chord_gguf_add_tensor(w, t->name, t->type, t->n_dims, ne, t->data));
        if (e->copy_tensor && !strcmp(t->name, e->copy_tensor))
            CHORD_TRY(chord_gguf_add_tensor(w, e->copy_name, t->type, t->n_dims, ne, t->data));
    }
    return CHORD_OK;
}

chord_status crafted_write(const crafted_edit *e, const char *path)
{
    const char *tiny = crafted_tiny_path();
    if (!tiny)
        return chord_fail(CHORD_ERR_IO, "crafted: cannot write the tiny model: %s", chord_last_error());
    chord_gguf *g = NULL;
    chord_gguf_writer *w = NULL;
    chord_status s = chord_gguf_open(tiny, &g);
    if (s == CHORD_OK)
        s = chord_gguf_writer_create(&w);
    if (s == CHORD_OK)
        s = copy_edited(g, e, w);
    if (s == CHORD_OK)
        s = chord_gguf_write_file(w, path);
    chord_gguf_writer_free(w);
    chord_gguf_close(g);
    return s;
}
