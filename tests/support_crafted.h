/* Crafted model files for the bad-input tests, written by the tests themselves (no committed blobs): the synthetic
 * "tiny" Llama (model/synth.h) copied key by key and tensor by tensor through the GGUF writer with one change. */
#ifndef CHORD_TEST_SUPPORT_CRAFTED_H
#define CHORD_TEST_SUPPORT_CRAFTED_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"

typedef struct crafted_edit {
    const char *key;         /* a key to set (replacing the tiny model's, or added): NULL for none */
    chord_gguf_vtype type;   /* its type */
    const void *value;       /* its serialized value (after the type field): a scalar's bytes, or a string's */
    size_t value_bytes;      /* u64 length and bytes, ... */
    const char *tensor;      /* a tensor whose outer dimension changes to rows (the same bytes, cut): NULL none */
    int64_t rows;
    const char *copy_tensor; /* a tensor added again under copy_name (the same bytes): NULL for none */
    const char *copy_name;
} crafted_edit;

/* The tiny model's path (written once per process, under /tmp, removed at exit). */
const char *crafted_tiny_path(void);
/* The tiny model with the edit applied, written to path; CHORD_OK or the writer's failure. */
chord_status crafted_write(const crafted_edit *e, const char *path);
/* A serialized GGUF string value (u64 length, bytes) in a static buffer: for crafted_edit.value. */
const void *crafted_str(const char *s, size_t *bytes);

#endif
