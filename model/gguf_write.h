/* GGUF v3 writer: collect metadata and tensor infos, then write the header and stream tensor data in order,
 * so multi-gigabyte files (synthetic 7B models) never sit in memory. Used by synth and by tests to craft files. */
#ifndef CHORD_GGUF_WRITE_H
#define CHORD_GGUF_WRITE_H

#include <stdint.h>
#include <stdio.h>

#include "gguf.h"

typedef struct chord_gguf_writer chord_gguf_writer;

chord_status chord_gguf_writer_create(chord_gguf_writer **out);
void chord_gguf_writer_free(chord_gguf_writer *w);
/* Changes the data alignment (power of two) and records general.alignment; call before adding tensors. */
chord_status chord_gguf_writer_set_alignment(chord_gguf_writer *w, uint32_t alignment);

/* Metadata, in insertion order; a key set twice is an error (GGUF keys are unique). */
chord_status chord_gguf_set_u32(chord_gguf_writer *w, const char *key, uint32_t v);
chord_status chord_gguf_set_i32(chord_gguf_writer *w, const char *key, int32_t v);
chord_status chord_gguf_set_u64(chord_gguf_writer *w, const char *key, uint64_t v);
chord_status chord_gguf_set_f32(chord_gguf_writer *w, const char *key, float v);
chord_status chord_gguf_set_bool(chord_gguf_writer *w, const char *key, int v);
chord_status chord_gguf_set_str(chord_gguf_writer *w, const char *key, const char *v);
/* Any fixed-size scalar type, value in host (little-endian) layout. */
chord_status chord_gguf_set_scalar(chord_gguf_writer *w, const char *key, chord_gguf_vtype type, const void *v);
/* Array of a fixed-size type. */
chord_status chord_gguf_set_array(chord_gguf_writer *w, const char *key, chord_gguf_vtype elem, const void *data,
                                  uint64_t n);
chord_status chord_gguf_set_str_array(chord_gguf_writer *w, const char *key, const char *const *items, uint64_t n);
/* A value given as its serialized bytes (after the type field): nested arrays, or deliberately bad values in tests. */
chord_status chord_gguf_set_raw(chord_gguf_writer *w, const char *key, chord_gguf_vtype type, const void *bytes,
                                size_t n);

/* Adds a tensor info; data (bytes = chord_type_row_bytes(type, ne[0]) * rows) may be NULL when it will be
 * streamed with chord_gguf_write_data, else it is NOT copied and must live until the file is written.
 * Offsets are assigned in order, aligned. */
chord_status chord_gguf_add_tensor(chord_gguf_writer *w, const char *name, chord_type type, int n_dims,
                                   const int64_t *ne, const void *data);

/* Layout as it will be written: the data section's file offset and the total file size. */
uint64_t chord_gguf_writer_data_offset(const chord_gguf_writer *w);
uint64_t chord_gguf_writer_file_size(const chord_gguf_writer *w);

/* Streaming: begin writes header, metadata, tensor infos and padding; then the tensors' bytes are appended in
 * order with any chunking (padding is inserted as each tensor completes); end checks every byte arrived. */
chord_status chord_gguf_write_begin(chord_gguf_writer *w, FILE *f);
chord_status chord_gguf_write_data(chord_gguf_writer *w, const void *bytes, size_t n);
chord_status chord_gguf_write_end(chord_gguf_writer *w);

/* Whole-file helpers for tensors added with data. */
chord_status chord_gguf_write_file(chord_gguf_writer *w, const char *path);
chord_status chord_gguf_write_memory(chord_gguf_writer *w, void **buf, size_t *size); /* malloc'ed; caller frees */

#endif
