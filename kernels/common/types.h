/* GGUF tensor types and block layouts: the one truth every API's copy is checked against.
 * Type ids are GGUF's ggml_type values, so a tensor info's type field indexes this directly.
 * Layouts follow the GGUF spec: each block holds QK values and starts with its scale(s).
 * The *_SPLIT types are chord's own layouts, never found in a file (the GGUF reader refuses their ids): the same
 * values as 8 consecutive GGUF blocks, re-laid so a GPU reads them with aligned 16-byte loads (below). */
#ifndef CHORD_TYPES_H
#define CHORD_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef enum chord_type {
    CHORD_TYPE_F32 = 0,
    CHORD_TYPE_F16 = 1,
    CHORD_TYPE_Q4_0 = 2,
    CHORD_TYPE_Q4_1 = 3,
    CHORD_TYPE_Q5_0 = 6,
    CHORD_TYPE_Q5_1 = 7,
    CHORD_TYPE_Q8_0 = 8,
    CHORD_TYPE_Q8_1 = 9,
    CHORD_TYPE_Q2_K = 10,
    CHORD_TYPE_Q3_K = 11,
    CHORD_TYPE_Q4_K = 12,
    CHORD_TYPE_Q5_K = 13,
    CHORD_TYPE_Q6_K = 14,
    CHORD_TYPE_Q8_K = 15,
    CHORD_TYPE_BF16 = 30,
    /* chord-internal, far above GGUF's ids */
    CHORD_TYPE_Q4_0_SPLIT = 200,
    CHORD_TYPE_Q4_1_SPLIT = 201,
    CHORD_TYPE_Q8_0_SPLIT = 202,
    CHORD_TYPE_COUNT = 203
} chord_type;

typedef uint16_t chord_f16;  /* IEEE binary16 bits */
typedef uint16_t chord_bf16; /* bfloat16 bits */

#define CHORD_QK4_0 32
#define CHORD_QK4_1 32
#define CHORD_QK5_0 32
#define CHORD_QK5_1 32
#define CHORD_QK8_0 32
#define CHORD_QK_K 256
#define CHORD_K_SCALE_SIZE 12

/* y = d * (q - 8), q the low nibbles (values 0..15) then the high nibbles */
typedef struct {
    chord_f16 d;
    uint8_t qs[CHORD_QK4_0 / 2];
} chord_block_q4_0;
/* y = d * q + m */
typedef struct {
    chord_f16 d;
    chord_f16 m;
    uint8_t qs[CHORD_QK4_1 / 2];
} chord_block_q4_1;
/* y = d * (q - 16), q = nibble | (bit from qh) << 4 */
typedef struct {
    chord_f16 d;
    uint8_t qh[4];
    uint8_t qs[CHORD_QK5_0 / 2];
} chord_block_q5_0;
/* y = d * q + m, q as in q5_0 */
typedef struct {
    chord_f16 d;
    chord_f16 m;
    uint8_t qh[4];
    uint8_t qs[CHORD_QK5_1 / 2];
} chord_block_q5_1;
/* y = d * q, q signed */
typedef struct {
    chord_f16 d;
    int8_t qs[CHORD_QK8_0];
} chord_block_q8_0;
/* 8 sub-blocks of 32 with 6-bit scales and mins: y = d * sc * q - dmin * m */
typedef struct {
    chord_f16 d;
    chord_f16 dmin;
    uint8_t scales[CHORD_K_SCALE_SIZE];
    uint8_t qs[CHORD_QK_K / 2];
} chord_block_q4_K;
typedef struct {
    chord_f16 d;
    chord_f16 dmin;
    uint8_t scales[CHORD_K_SCALE_SIZE];
    uint8_t qh[CHORD_QK_K / 8];
    uint8_t qs[CHORD_QK_K / 2];
} chord_block_q5_K;
/* 16 sub-blocks of 16 with 8-bit signed scales: y = d * sc * (q - 32) */
typedef struct {
    uint8_t ql[CHORD_QK_K / 2];
    uint8_t qh[CHORD_QK_K / 4];
    int8_t scales[CHORD_QK_K / 16];
    chord_f16 d;
} chord_block_q6_K;

/* Split super-blocks: 256 values, the values of 8 consecutive GGUF blocks g = 0..7 (value 32 g + i is value i of
 * block g), every quant first and the 8 scales after them. GGUF blocks are 18, 20 or 34 bytes, so they sit at
 * 2-byte alignment; a super-block is 144, 160 or 272 bytes, a multiple of 16, so in a 16-aligned buffer every row,
 * every quant run and every scale run starts 16-aligned. Quant order: value v = 32 g + 4 j + t (j = 0..7, t = 0..3)
 * lives in the 16 (q4) or 32 (q8) bytes of "lane" j, as byte t of word g / 2 (q4: low nibble for even g, high for
 * odd g) or of word g (q8). One 16-byte load thus gives one reader 4 consecutive values of each of the 8 blocks,
 * and 8 readers j side by side read 32 consecutive activations per block: coalesced.
 * The values are the GGUF ones exactly: q4_0 y = d[g] (q - 8), q4_1 y = d[g] q + m[g], q8_0 y = d[g] q. */
typedef struct {
    uint8_t qs[128];
    chord_f16 d[8];
} chord_block_q4_0_split;
typedef struct {
    uint8_t qs[128];
    chord_f16 d[8];
    chord_f16 m[8];
} chord_block_q4_1_split;
typedef struct {
    int8_t qs[256];
    chord_f16 d[8];
} chord_block_q8_0_split;
#define CHORD_QK_SPLIT 256

_Static_assert(sizeof(chord_block_q4_0) == 18, "q4_0 block is 18 bytes");
_Static_assert(sizeof(chord_block_q4_1) == 20, "q4_1 block is 20 bytes");
_Static_assert(sizeof(chord_block_q5_0) == 22, "q5_0 block is 22 bytes");
_Static_assert(sizeof(chord_block_q5_1) == 24, "q5_1 block is 24 bytes");
_Static_assert(sizeof(chord_block_q8_0) == 34, "q8_0 block is 34 bytes");
_Static_assert(sizeof(chord_block_q4_K) == 144, "q4_K block is 144 bytes");
_Static_assert(sizeof(chord_block_q5_K) == 176, "q5_K block is 176 bytes");
_Static_assert(sizeof(chord_block_q6_K) == 210, "q6_K block is 210 bytes");
_Static_assert(sizeof(chord_block_q4_0_split) == 144 && sizeof(chord_block_q4_1_split) == 160 &&
                   sizeof(chord_block_q8_0_split) == 272,
               "split super-blocks are 8 GGUF blocks' bytes, multiples of 16");

typedef struct chord_type_traits {
    const char *name; /* GGUF's name, e.g. "q4_1" */
    int block_size;   /* values per block; 0 when chord cannot handle the type */
    size_t type_size; /* bytes per block */
    int internal;     /* 1: a chord-only layout (the *_SPLIT types), never a file's */
} chord_type_traits;

/* Traits of a type; block_size 0 for ids chord does not support. */
const chord_type_traits *chord_type_info(int type);
/* Bytes for n values of type (n a multiple of the block size); 0 if unsupported or not a multiple. */
size_t chord_type_row_bytes(int type, int64_t n);
/* Parses a GGUF type name ("q4_0", "f16", ...); -1 if unknown. */
int chord_type_from_name(const char *name);
/* The split form of a GGUF type (q4_0, q4_1, q8_0), or -1 when it has none. */
int chord_type_split_of(chord_type type);
/* Re-lays n values (a multiple of 256) of a GGUF q4_0, q4_1 or q8_0 row as its split form: src holds n / 32 GGUF
 * blocks, dst receives n / 256 super-blocks (the same byte count). Lossless. Returns 0, or -1 for another type
 * or an n that is not a multiple of 256. */
int chord_type_split_repack(chord_type type, const void *src, void *dst, int64_t n);

float chord_f16_to_f32(chord_f16 h);
chord_f16 chord_f32_to_f16(float f); /* round to nearest even */
float chord_bf16_to_f32(chord_bf16 h);
chord_bf16 chord_f32_to_bf16(float f); /* round to nearest even */

#endif
