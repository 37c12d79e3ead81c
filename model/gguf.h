/* GGUF reader: maps a file (or takes a memory image), validates it strictly, and exposes metadata and tensor
 * infos that point into the mapping. Every byte read goes through a bounds-checked cursor; malformed input
 * yields CHORD_ERR_FORMAT with a message naming what is wrong and where (offset, key or tensor name).
 * Versions 2 and 3 are accepted (v1 used 32-bit counts and is rejected). A tensor type chord does not implement
 * (a valid file, e.g. iq2_xxs) gives CHORD_ERR_UNSUPPORTED. */
#ifndef CHORD_GGUF_H
#define CHORD_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include "common/types.h"
#include "common/status.h"

#define CHORD_GGUF_MAGIC 0x46554747u /* "GGUF" read as a little-endian uint32 */
#define CHORD_GGUF_DEFAULT_ALIGNMENT 32

typedef enum {
    CHORD_GGUF_UINT8,
    CHORD_GGUF_INT8,
    CHORD_GGUF_UINT16,
    CHORD_GGUF_INT16,
    CHORD_GGUF_UINT32,
    CHORD_GGUF_INT32,
    CHORD_GGUF_FLOAT32,
    CHORD_GGUF_BOOL,
    CHORD_GGUF_STRING,
    CHORD_GGUF_ARRAY,
    CHORD_GGUF_UINT64,
    CHORD_GGUF_INT64,
    CHORD_GGUF_FLOAT64,
    CHORD_GGUF_VTYPE_COUNT
} chord_gguf_vtype; /* GGUF's value type ids 0..12 */

typedef struct {
    uint64_t len;
    const char *ptr;
} chord_gguf_str; /* points into the mapping, not NUL-terminated */

typedef struct chord_gguf_tensor {
    char name[128]; /* NUL-terminated; a name of 128 bytes or more is a format error (llama.cpp's limit is 63) */
    int n_dims;
    int64_t ne[4]; /* ne[0] is the contiguous (innermost) dimension, as GGUF; unused dims are 1 */
    chord_type type;
    uint64_t offset;  /* from the start of the data section */
    size_t bytes;     /* ne[0] / block_size * type_size * (product of the other dims), overflow-checked */
    const void *data; /* into the mapping */
} chord_gguf_tensor;

typedef struct chord_gguf chord_gguf;

chord_status chord_gguf_open(const char *path, chord_gguf **out);                     /* mmap + strict validation */
chord_status chord_gguf_open_memory(const void *data, size_t size, chord_gguf **out); /* same checks; no copy */
void chord_gguf_close(chord_gguf *g);

uint32_t chord_gguf_version(const chord_gguf *g);
uint32_t chord_gguf_alignment(const chord_gguf *g);
size_t chord_gguf_data_offset(const chord_gguf *g); /* file offset of the data section */
size_t chord_gguf_file_size(const chord_gguf *g);

int64_t chord_gguf_n_tensors(const chord_gguf *g);
const chord_gguf_tensor *chord_gguf_tensor_at(const chord_gguf *g, int64_t i);
const chord_gguf_tensor *chord_gguf_find_tensor(const chord_gguf *g, const char *name); /* NULL if absent */

int chord_gguf_has(const chord_gguf *g, const char *key);
/* Model loaders: fails with CHORD_ERR_FORMAT naming every absent key of the NULL-terminated list. */
chord_status chord_gguf_require_keys(const chord_gguf *g, const char *const *keys);
/* Accessors fail with CHORD_ERR_FORMAT on a missing key or a value of the wrong type (the file is at fault). */
chord_status chord_gguf_get_int(const chord_gguf *g, const char *key, int64_t *out);  /* any integer type/bool */
chord_status chord_gguf_get_float(const chord_gguf *g, const char *key, double *out); /* float32/64 or int */
chord_status chord_gguf_get_str(const chord_gguf *g, const char *key, chord_gguf_str *out);
/* Arrays: numeric ones as a raw (maybe unaligned: memcpy) pointer; string arrays as a table built at open
 * (get_array then returns that chord_gguf_str table as data).
 * For arrays of arrays, elem is CHORD_GGUF_ARRAY and data points at the raw serialized elements. */
chord_status chord_gguf_get_array(const chord_gguf *g, const char *key, chord_gguf_vtype *elem, uint64_t *n,
                                  const void **data);
chord_status chord_gguf_get_str_array(const chord_gguf *g, const char *key, uint64_t *n, const chord_gguf_str **items);

/* Metadata enumeration (for `chord gguf info`). */
int64_t chord_gguf_n_kv(const chord_gguf *g);
chord_gguf_str chord_gguf_kv_key(const chord_gguf *g, int64_t i);
chord_gguf_vtype chord_gguf_kv_type(const chord_gguf *g, int64_t i);
/* For arrays: element type and count. */
void chord_gguf_kv_array_info(const chord_gguf *g, int64_t i, chord_gguf_vtype *elem, uint64_t *n);
/* Array i's elements as chord_gguf_get_array gives them, by index: keys are length-counted (any bytes, NULs
 * included), so enumeration never looks a key up again by its text. CHORD_ERR_INVALID if kv i is not an array. */
chord_status chord_gguf_kv_array(const chord_gguf *g, int64_t i, chord_gguf_vtype *elem, uint64_t *n,
                                 const void **data);
/* Raw pointer to the serialized value (scalars: the value; strings: the 8-byte length). */
const void *chord_gguf_kv_raw(const chord_gguf *g, int64_t i);

const char *chord_gguf_vtype_name(chord_gguf_vtype t);
/* Size in bytes of a fixed-size scalar type; 0 for string/array/unknown. */
size_t chord_gguf_vtype_size(chord_gguf_vtype t);

/* Compares a GGUF string with a C string. */
int chord_gguf_str_eq(chord_gguf_str s, const char *c);

#endif
