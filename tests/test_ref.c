/* Tests of the scalar references against facts that do not come from the references themselves:
 * hand-built GGUF blocks with known values, IEEE special values, closed forms (rotations, a softmax
 * of two values, one-key attention), identities (row sums, shift invariance, norm preservation,
 * permutations) and independent double-precision loops. Random inputs use a fixed seed that the
 * CHORD_SEED environment variable overrides; every test that draws one prints it. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "add/add.h"
#include "attention/attention.h"
#include "dequant/dequant.h"
#include "matmul/matmul.h"
#include "rmsnorm/rmsnorm.h"
#include "rope/rope.h"
#include "softmax/softmax.h"
#include "swiglu/swiglu.h"
#include "matmul_tiled/matmul_tiled.h"

/* ---- random inputs ---- */

static uint64_t rng_state;

static void rng_init(const char *test)
{
    const char *env = getenv("CHORD_SEED");
    const uint64_t seed = env ? strtoull(env, NULL, 0) : 20240601u;
    fprintf(stderr, "test_ref %s: seed %llu (set CHORD_SEED to change)\n", test, (unsigned long long)seed);
    rng_state = seed;
}

static uint64_t rng_u64(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static float rng_uniform(float lo, float hi)
{
    return lo + (hi - lo) * (float)((rng_u64() >> 40) * (1.0 / 16777216.0));
}

static void fill(float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = rng_uniform(lo, hi);
}

static float *falloc(size_t n)
{
    float *p = malloc(n * sizeof *p);
    cr_assert(p != NULL);
    return p;
}

static void put16(uint8_t *p, uint16_t v) /* little-endian, as GGUF stores it */
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void expect_exact(const float *got, const float *want, int n, const char *what)
{
    for (int i = 0; i < n; i++)
        cr_assert(got[i] == want[i] || (isnan(got[i]) && isnan(want[i])), "%s[%d]: got %.9g, want %.9g", what, i,
                  (double)got[i], (double)want[i]);
}

static int dequant(chord_type type, const void *src, float *dst, int64_t n)
{
    const chord_dequant_args a = {type, n};
    return chord_dequant_reference(src, dst, &a);
}

/* ---- f16 / bf16 conversions ---- */

Test(convert, f16_known_values)
{
    const struct {
        uint16_t h;
        float f;
    } known[] = {
        {0x3c00, 1.0f},        {0x3800, 0.5f},     {0xc000, -2.0f},           {0x7bff, 65504.0f},
        {0x0400, 0x1p-14f},    {0x0001, 0x1p-24f}, {0x03ff, 1023 * 0x1p-24f}, {0x8000, -0.0f},
        {0x3555, 0x1.554p-2f}, {0x7c00, INFINITY}, {0xfc00, -INFINITY},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const float f = chord_f16_to_f32(known[i].h);
        cr_assert(f == known[i].f && !signbit(f) == !signbit(known[i].f), "f16 %04x -> %g, want %g", known[i].h,
                  (double)f, (double)known[i].f);
        cr_assert_eq(chord_f32_to_f16(known[i].f), known[i].h, "f32 %g -> f16 %04x", (double)known[i].f,
                     chord_f32_to_f16(known[i].f));
    }
    cr_assert(isnan(chord_f16_to_f32(0x7e00)) && isnan(chord_f16_to_f32(0xfc01)));
    cr_assert_eq(chord_f32_to_f16(NAN) & 0x7c00, 0x7c00);
    cr_assert_neq(chord_f32_to_f16(NAN) & 0x03ff, 0);
    /* round to nearest even at the halfway points, overflow, underflow */
    cr_assert_eq(chord_f32_to_f16(1.0f + 0x1p-11f), 0x3c00);     /* tie, even stays */
    cr_assert_eq(chord_f32_to_f16(1.0f + 3 * 0x1p-11f), 0x3c02); /* tie, odd rounds up */
    cr_assert_eq(chord_f32_to_f16(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);
    cr_assert_eq(chord_f32_to_f16(65519.0f), 0x7bff);
    cr_assert_eq(chord_f32_to_f16(65520.0f), 0x7c00);
    cr_assert_eq(chord_f32_to_f16(0x1p-25f), 0x0000); /* tie with 0: even */
    cr_assert_eq(chord_f32_to_f16(0x1.8p-25f), 0x0001);
    cr_assert_eq(chord_f32_to_f16(3 * 0x1p-25f), 0x0002); /* 1.5 ulp of subnormal: tie to even 2 */
    cr_assert_eq(chord_f32_to_f16(-0x1p-30f), 0x8000);
}

Test(convert, f16_round_trip_all)
{
    for (uint32_t h = 0; h < 0x10000; h++) {
        const float f = chord_f16_to_f32((chord_f16)h);
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) {
            cr_assert(isnan(f), "f16 %04x is a NaN", h);
            continue;
        }
        cr_assert_eq(chord_f32_to_f16(f), h, "f16 %04x -> %g -> %04x", h, (double)f, chord_f32_to_f16(f));
    }
}

Test(convert, bf16)
{
    cr_assert(chord_bf16_to_f32(0x3f80) == 1.0f);
    cr_assert(chord_bf16_to_f32(0xc040) == -3.0f);
    cr_assert(chord_bf16_to_f32(0x0001) == 0x1p-133f); /* subnormal */
    cr_assert(chord_bf16_to_f32(0x7f80) == INFINITY);
    cr_assert(isnan(chord_bf16_to_f32(0x7fc0)));
    cr_assert_eq(chord_f32_to_bf16(1.0f + 0x1p-8f), 0x3f80);     /* tie, even stays */
    cr_assert_eq(chord_f32_to_bf16(1.0f + 3 * 0x1p-8f), 0x3f82); /* tie, odd rounds up */
    cr_assert_eq(chord_f32_to_bf16(0x1.fffffep127f), 0x7f80);    /* rounds to inf */
    cr_assert(isnan(chord_bf16_to_f32(chord_f32_to_bf16(NAN))));
    for (uint32_t h = 0; h < 0x10000; h++) {
        const float f = chord_bf16_to_f32((chord_bf16)h);
        if (isnan(f))
            continue;
        cr_assert_eq(chord_f32_to_bf16(f), h, "bf16 %04x round trip", h);
    }
}

/* ---- dequant: hand-built blocks ---- */

Test(dequant, supported_and_refusals)
{
    const chord_type yes[] = {CHORD_TYPE_F32,        CHORD_TYPE_F16,       CHORD_TYPE_BF16, CHORD_TYPE_Q4_0,
                              CHORD_TYPE_Q4_1,       CHORD_TYPE_Q5_0,      CHORD_TYPE_Q5_1, CHORD_TYPE_Q8_0,
                              CHORD_TYPE_Q4_K,       CHORD_TYPE_Q5_K,      CHORD_TYPE_Q6_K, CHORD_TYPE_Q4_0_SPLIT,
                              CHORD_TYPE_Q4_1_SPLIT, CHORD_TYPE_Q8_0_SPLIT};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        cr_assert(chord_dequant_supported(yes[i]), "type %d supported", yes[i]);
    const chord_type no[] = {CHORD_TYPE_Q8_1,
                             CHORD_TYPE_Q2_K,
                             CHORD_TYPE_Q3_K,
                             CHORD_TYPE_Q8_K,
                             (chord_type)4,
                             (chord_type)-1,
                             (chord_type)CHORD_TYPE_COUNT};
    uint8_t buf[512] = {0};
    float out[512];
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        cr_assert(!chord_dequant_supported(no[i]), "type %d unsupported", no[i]);
        cr_assert_eq(dequant(no[i], buf, out, 256), -1);
    }
    cr_assert_eq(dequant(CHORD_TYPE_Q4_0, buf, out, 33), -1);
    cr_assert_eq(dequant(CHORD_TYPE_Q6_K, buf, out, 128), -1);
    cr_assert_eq(dequant(CHORD_TYPE_F16, buf, out, 3), 0);
}

Test(dequant, f32_f16_bf16)
{
    const float f[3] = {1.5f, -0.0f, 1e-30f};
    float out[3];
    cr_assert_eq(dequant(CHORD_TYPE_F32, f, out, 3), 0);
    cr_assert(memcmp(out, f, sizeof f) == 0);
    const uint8_t h[6] = {0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00}; /* 1, -2, 2^-24 */
    cr_assert_eq(dequant(CHORD_TYPE_F16, h, out, 3), 0);
    expect_exact(out, (const float[]){1.0f, -2.0f, 0x1p-24f}, 3, "f16");
    const uint8_t b[6] = {0x80, 0x3f, 0x40, 0xc0, 0x80, 0x7f}; /* 1, -3, inf */
    cr_assert_eq(dequant(CHORD_TYPE_BF16, b, out, 3), 0);
    expect_exact(out, (const float[]){1.0f, -3.0f, INFINITY}, 3, "bf16");
}

/* Blocks are built at byte offset 2 of a buffer, so reads that assume 4-byte alignment would be caught
 * by sanitizers and the offset arithmetic is exercised as it is for rows of 18-byte blocks. */
Test(dequant, q4_0)
{
    uint8_t buf[2 + 2 * 18];
    uint8_t *b = buf + 2;
    put16(b, 0x3800); /* d = 0.5 */
    for (int j = 0; j < 16; j++)
        b[2 + j] = (uint8_t)(j | (15 - j) << 4);
    put16(b + 18, 0xc000); /* second block: d = -2, all nibbles 9 -> +1 */
    memset(b + 20, 0x99, 16);
    float y[64], want[64];
    for (int j = 0; j < 16; j++) {
        want[j] = (float)(j - 8) * 0.5f;
        want[16 + j] = (float)(7 - j) * 0.5f;
    }
    for (int j = 32; j < 64; j++)
        want[j] = -2.0f;
    cr_assert_eq(dequant(CHORD_TYPE_Q4_0, b, y, 64), 0);
    expect_exact(y, want, 64, "q4_0");
    cr_assert(y[0] == -4.0f && y[15] == 3.5f && y[16] == 3.5f && y[31] == -4.0f);
}

Test(dequant, q4_1)
{
    uint8_t b[20];
    put16(b, 0x3800);     /* d = 0.5 */
    put16(b + 2, 0xbc00); /* m = -1 */
    for (int j = 0; j < 16; j++)
        b[4 + j] = (uint8_t)(j | (15 - j) << 4);
    float y[32], want[32];
    for (int j = 0; j < 16; j++) {
        want[j] = (float)j * 0.5f - 1.0f;
        want[16 + j] = (float)(15 - j) * 0.5f - 1.0f;
    }
    cr_assert_eq(dequant(CHORD_TYPE_Q4_1, b, y, 32), 0);
    expect_exact(y, want, 32, "q4_1");
    cr_assert(y[0] == -1.0f && y[16] == 6.5f);
}

/* q5: value v's 5th bit is bit v of qh as a little-endian uint32: qh bytes {0x01, 0x02, 0x00, 0x80}
 * set the bits of values 0, 9 and 31. */
static const uint8_t qh5[4] = {0x01, 0x02, 0x00, 0x80};
static int q5_has_bit(int v) { return v == 0 || v == 9 || v == 31; }

/* The q5 test pattern written at qh: qh5, then 16 bytes of nibbles (0..15 low, 15..0 high); q[32] gets the 5-bit
 * values it holds (nibble + 16 * the qh bit). */
static void q5_pattern(uint8_t *qh, int q[32])
{
    memcpy(qh, qh5, 4);
    for (int j = 0; j < 16; j++)
        qh[4 + j] = (uint8_t)(j | (15 - j) << 4);
    for (int v = 0; v < 32; v++)
        q[v] = (v < 16 ? v : 15 - (v - 16)) + 16 * q5_has_bit(v);
}

Test(dequant, q5_0)
{
    uint8_t buf[2 + 22];
    uint8_t *b = buf + 2;
    put16(b, 0x3800); /* d = 0.5 */
    int q[32];
    q5_pattern(b + 2, q);
    float y[32], want[32];
    for (int v = 0; v < 32; v++)
        want[v] = (float)(q[v] - 16) * 0.5f;
    cr_assert_eq(dequant(CHORD_TYPE_Q5_0, b, y, 32), 0);
    expect_exact(y, want, 32, "q5_0");
    cr_assert(y[0] == 0.0f && y[1] == -7.5f && y[9] == 4.5f && y[31] == 0.0f && y[30] == -7.5f);
}

Test(dequant, q5_1)
{
    uint8_t b[24];
    put16(b, 0x3400);     /* d = 0.25 */
    put16(b + 2, 0x3c00); /* m = 1 */
    int q[32];
    q5_pattern(b + 4, q);
    float y[32], want[32];
    for (int v = 0; v < 32; v++)
        want[v] = (float)q[v] * 0.25f + 1.0f;
    cr_assert_eq(dequant(CHORD_TYPE_Q5_1, b, y, 32), 0);
    expect_exact(y, want, 32, "q5_1");
    cr_assert(y[0] == 5.0f && y[31] == 5.0f && y[9] == 7.25f);
}

Test(dequant, q8_0)
{
    uint8_t b[34];
    put16(b, 0x3800); /* d = 0.5 */
    for (int j = 0; j < 32; j++)
        b[2 + j] = (uint8_t)(int8_t)(j * 8 - 128); /* -128 .. 120 */
    float y[32], want[32];
    for (int j = 0; j < 32; j++)
        want[j] = (float)(j * 8 - 128) * 0.5f;
    cr_assert_eq(dequant(CHORD_TYPE_Q8_0, b, y, 32), 0);
    expect_exact(y, want, 32, "q8_0");
    cr_assert(y[0] == -64.0f && y[31] == 60.0f);
}

/* The GGUF packing of 8 six-bit (scale, min) pairs into 12 bytes, written from the quantizer's side:
 * pairs 0..3 in the low 6 bits of bytes 0..3 (scales) and 4..7 (mins); pairs 4..7 keep their low
 * 4 bits in bytes 8..11 (scale low nibble, min high nibble) and their top 2 bits in the top of bytes 0..7. */
static void pack_k4(const int sc[8], const int mn[8], uint8_t out[12])
{
    for (int j = 0; j < 4; j++) {
        out[j] = (uint8_t)(sc[j] | (sc[j + 4] >> 4) << 6);
        out[j + 4] = (uint8_t)(mn[j] | (mn[j + 4] >> 4) << 6);
        out[j + 8] = (uint8_t)((sc[j + 4] & 15) | (mn[j + 4] & 15) << 4);
    }
}

static const int k_sc[8] = {1, 2, 3, 63, 17, 33, 48, 5};
static const int k_mn[8] = {0, 7, 12, 16, 63, 20, 1, 40};

/* A q4_K/q5_K test block: f16 d and dmin (bits), the k_sc/k_mn scales, and at qs 4 groups of 32 bytes, group i
 * holding sub-block 2i in its low nibbles, 2i+1 in its high ones: value l of sub-block s is k_nibble(s, l). */
static void k4_block(uint8_t *b, uint16_t d, uint16_t dmin, uint8_t *qs)
{
    put16(b, d);
    put16(b + 2, dmin);
    pack_k4(k_sc, k_mn, b + 4);
    for (int l = 0; l < 128; l++)
        qs[l] = (uint8_t)((l % 16) | (15 - l % 16) << 4);
}

static int k_nibble(int s, int l) { return (s % 2 == 0) ? l % 16 : 15 - l % 16; }

Test(dequant, q4_K)
{
    uint8_t b[144];
    k4_block(b, 0x3c00, 0x3800, b + 16); /* d = 1, dmin = 0.5 */
    float y[256], want[256];
    for (int v = 0; v < 256; v++) {
        const int s = v / 32, l = v % 32;
        want[v] = 1.0f * (float)k_sc[s] * (float)k_nibble(s, l) - 0.5f * (float)k_mn[s];
    }
    cr_assert_eq(dequant(CHORD_TYPE_Q4_K, b, y, 256), 0);
    expect_exact(y, want, 256, "q4_K");

    /* the same packing as literal bytes: scale 4 = 5 | 3 << 4 = 53 from byte 8's low nibble and byte 0's top bits */
    uint8_t c[144] = {0};
    put16(c, 0x3c00);
    put16(c + 2, 0x3c00);
    c[4 + 0] = 0xc1;   /* scale 0 = 1, top bits of scale 4 = 3 */
    c[4 + 4] = 0x02;   /* min 0 = 2 */
    c[4 + 8] = 0x25;   /* scale 4 low = 5, min 4 low = 2 */
    c[16 + 0] = 0x03;  /* value 0 (sub-block 0) = 3 */
    c[16 + 64] = 0x01; /* value 128 (sub-block 4) = 1 */
    cr_assert_eq(dequant(CHORD_TYPE_Q4_K, c, y, 256), 0);
    cr_assert(y[0] == 1.0f * 3 - 2.0f, "y[0] = %g", (double)y[0]);
    cr_assert(y[1] == -2.0f && y[32] == 0.0f);
    cr_assert(y[128] == 53.0f - 2.0f, "y[128] = %g", (double)y[128]);
    cr_assert(y[129] == -2.0f);
}

Test(dequant, q5_K)
{
    uint8_t b[176];
    k4_block(b, 0x3800, 0x3c00, b + 48); /* d = 0.5, dmin = 1 */
    for (int l = 0; l < 32; l++)         /* qh[l]: bit s gives value l of sub-block s its 5th bit */
        b[16 + l] = (uint8_t)(l * 37 + 11);
    float y[256], want[256];
    for (int v = 0; v < 256; v++) {
        const int s = v / 32, l = v % 32;
        const int lo = k_nibble(s, l);
        const int hi = ((uint8_t)(l * 37 + 11) >> s) & 1;
        want[v] = 0.5f * (float)k_sc[s] * (float)(lo + 16 * hi) - 1.0f * (float)k_mn[s];
    }
    cr_assert_eq(dequant(CHORD_TYPE_Q5_K, b, y, 256), 0);
    expect_exact(y, want, 256, "q5_K");
    /* literal: qh[0] = 11 = 0b1011 -> values 0, 32, 96 get +16; value 0: 0.5 * 1 * 16 - 0 */
    cr_assert(y[0] == 8.0f && y[32] == 0.5f * 2 * (15 + 16) - 7 && y[64] == 0.5f * 3 * 0 - 12, "y0 %g y32 %g y64 %g",
              (double)y[0], (double)y[32], (double)y[64]);
}

Test(dequant, q6_K)
{
    uint8_t b[210] = {0};
    put16(b + 208, 0x3800); /* d = 0.5, stored last */
    int8_t *sc = (int8_t *)(b + 192);
    sc[0] = 2, sc[2] = 3, sc[4] = -1, sc[6] = 4, sc[8] = -7;
    b[0] = 0x21;        /* ql[0]: value 0 low = 1, value 64 low = 2 */
    b[32] = 0x43;       /* ql[32]: value 32 low = 3, value 96 low = 4 */
    b[128] = 0xe4;      /* qh[0] = 0b11100100: high bits 0, 1, 2, 3 for values 0, 32, 64, 96 */
    b[64] = 0x0f;       /* ql[64]: value 128 low = 15 */
    b[128 + 32] = 0x02; /* qh[32]: value 128 high = 2 */
    float y[256];
    cr_assert_eq(dequant(CHORD_TYPE_Q6_K, b, y, 256), 0);
    cr_assert(y[0] == 0.5f * 2 * (1 - 32), "y[0] = %g", (double)y[0]);              /* -31 */
    cr_assert(y[32] == 0.5f * 3 * (3 + 16 - 32), "y[32] = %g", (double)y[32]);      /* -19.5 */
    cr_assert(y[64] == 0.5f * -1 * (2 + 32 - 32), "y[64] = %g", (double)y[64]);     /* -1 */
    cr_assert(y[96] == 0.5f * 4 * (4 + 48 - 32), "y[96] = %g", (double)y[96]);      /* 40 */
    cr_assert(y[128] == 0.5f * -7 * (15 + 32 - 32), "y[128] = %g", (double)y[128]); /* -52.5 */
    cr_assert(y[1] == 0.5f * 2 * -32 && y[16] == 0.0f /* scale 1 is 0 */);

    /* every value against a per-value statement of the layout */
    for (int i = 0; i < 208; i++)
        b[i] = (uint8_t)(i * 73 + 5);
    float want[256];
    for (int v = 0; v < 256; v++) {
        const int h = v / 128, g = (v % 128) / 32, l = v % 32;
        const uint8_t qlb = b[64 * h + l + 32 * (g & 1)];
        const int lo = g < 2 ? (qlb & 15) : (qlb >> 4);
        const int hi = (b[128 + 32 * h + l] >> (2 * g)) & 3;
        const int8_t s = (int8_t)b[192 + 8 * h + l / 16 + 2 * g];
        want[v] = 0.5f * (float)s * (float)(lo + 16 * hi - 32);
    }
    cr_assert_eq(dequant(CHORD_TYPE_Q6_K, b, y, 256), 0);
    expect_exact(y, want, 256, "q6_K");
}

/* ---- matmul ---- */

/* Random weight rows of type t: random bytes with every scale field replaced by a finite f16 in [-1, 1]. */
static uint8_t *random_weights(chord_type t, int n, int k)
{
    const chord_type_traits *tr = chord_type_info(t);
    const size_t bytes = chord_type_row_bytes(t, k) * (size_t)n;
    uint8_t *w = malloc(bytes);
    cr_assert(w != NULL);
    if (t == CHORD_TYPE_F32) {
        fill((float *)w, bytes / 4, -1, 1);
        return w;
    }
    for (size_t i = 0; i < bytes; i++)
        w[i] = (uint8_t)rng_u64();
    for (size_t blk = 0; blk < bytes / tr->type_size; blk++) {
        uint8_t *p = w + blk * tr->type_size;
        switch (t) {
        case CHORD_TYPE_F16: put16(p, chord_f32_to_f16(rng_uniform(-1, 1))); break;
        case CHORD_TYPE_BF16: put16(p, chord_f32_to_bf16(rng_uniform(-1, 1))); break;
        case CHORD_TYPE_Q6_K: put16(p + 208, chord_f32_to_f16(rng_uniform(-0.01f, 0.01f))); break;
        case CHORD_TYPE_Q4_1:
        case CHORD_TYPE_Q5_1:
        case CHORD_TYPE_Q4_K:
        case CHORD_TYPE_Q5_K:
            put16(p + 2, chord_f32_to_f16(rng_uniform(-0.05f, 0.05f)));
            /* dmin or m set; d, the first field, below */
            __attribute__((fallthrough));
        default: put16(p, chord_f32_to_f16(rng_uniform(-0.1f, 0.1f))); break;
        }
    }
    return w;
}

/* An independent triple loop in double over f32 weights. */
static void naive_matmul(const float *w, const float *x, double *y, int m, int n, int k)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int l = 0; l < k; l++)
                s += (double)w[(size_t)j * k + l] * x[(size_t)i * k + l];
            y[(size_t)i * n + j] = s;
        }
}

Test(matmul, f32_vs_naive_odd_sizes)
{
    rng_init("matmul.f32_vs_naive_odd_sizes");
    const int shapes[][3] = {{31, 17, 47}, {1, 1, 1}, {1, 33, 300}, {9, 18, 513}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        float *w = falloc((size_t)n * k), *x = falloc((size_t)m * k), *y = falloc((size_t)m * n),
              *yt = falloc((size_t)m * n);
        double *want = malloc((size_t)m * n * sizeof *want);
        fill(w, (size_t)n * k, -1, 1);
        fill(x, (size_t)m * k, -1, 1);
        const chord_matmul_args a = {m, n, k, CHORD_TYPE_F32};
        chord_matmul_reference(w, x, y, &a);
        chord_matmul_tiled_reference(w, x, yt, &a);
        naive_matmul(w, x, want, m, n, k);
        for (int i = 0; i < m * n; i++) {
            /* one float rounding of the double sum: half an ulp */
            cr_assert(fabs(y[i] - want[i]) <= fabs(want[i]) * 0x1p-24 + 1e-30, "%dx%dx%d y[%d] %.9g want %.9g", m, n, k,
                      i, (double)y[i], want[i]);
        }
        cr_assert(memcmp(y, yt, (size_t)m * n * sizeof *y) == 0, "tiled == plain for %dx%dx%d", m, n, k);
        free(w), free(x), free(y), free(yt), free(want);
    }
}

Test(matmul, known_small)
{
    const float w[6] = {1, 2, 3, -1, 0, 0.5f}; /* (2, 3) */
    const float x[3] = {2, -1, 4};             /* (1, 3) */
    float y[2];
    const chord_matmul_args a = {1, 2, 3, CHORD_TYPE_F32};
    chord_matmul_reference(w, x, y, &a);
    cr_assert(y[0] == 12.0f && y[1] == 0.0f, "y = %g %g", (double)y[0], (double)y[1]);
    chord_matmul_tiled_reference(w, x, y, &a);
    cr_assert(y[0] == 12.0f && y[1] == 0.0f);
}

/* Quantized matmul equals f32 matmul on the dequantized weights, and tiled equals plain, for every type.
 * Shapes cross the tiled reference's blocks (8 x 16 x 256) and leave partial ones. */
Test(matmul, quantized_equals_dequantized)
{
    rng_init("matmul.quantized_equals_dequantized");
    const chord_type types[] = {CHORD_TYPE_F16,  CHORD_TYPE_BF16, CHORD_TYPE_Q4_0, CHORD_TYPE_Q4_1, CHORD_TYPE_Q5_0,
                                CHORD_TYPE_Q5_1, CHORD_TYPE_Q8_0, CHORD_TYPE_Q4_K, CHORD_TYPE_Q5_K, CHORD_TYPE_Q6_K};
    const int m = 11, n = 19, k = 768;
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        uint8_t *wq = random_weights(types[t], n, k);
        float *wf = falloc((size_t)n * k), *x = falloc((size_t)m * k);
        float *yq = falloc((size_t)m * n), *yf = falloc((size_t)m * n), *yt = falloc((size_t)m * n);
        fill(x, (size_t)m * k, -1, 1);
        const size_t rb = chord_type_row_bytes(types[t], k);
        for (int j = 0; j < n; j++) /* row by row, as the model's embedding lookup does */
            cr_assert_eq(dequant(types[t], wq + j * rb, wf + (size_t)j * k, k), 0);
        for (int i = 0; i < n * k; i++)
            cr_assert(isfinite(wf[i]), "%s weight %d finite", chord_type_info(types[t])->name, i);
        const chord_matmul_args aq = {m, n, k, types[t]}, af = {m, n, k, CHORD_TYPE_F32};
        chord_matmul_reference(wq, x, yq, &aq);
        chord_matmul_tiled_reference(wq, x, yt, &aq);
        chord_matmul_reference(wf, x, yf, &af);
        expect_exact(yq, yf, m * n, chord_type_info(types[t])->name);
        expect_exact(yt, yf, m * n, "tiled");
        free(wq), free(wf), free(x), free(yq), free(yf), free(yt);
    }
}

/* The split layouts (types.h) hold the GGUF values exactly: repacked rows dequantize bit for bit as the GGUF rows
 * do (whose decoding the hand-built blocks above pin down), and the matmul over either form is the same. */
Test(matmul, split_forms_equal_gguf)
{
    rng_init("matmul.split_forms_equal_gguf");
    const chord_type types[] = {CHORD_TYPE_Q4_0, CHORD_TYPE_Q4_1, CHORD_TYPE_Q8_0};
    const int m = 3, n = 7, k = 768;
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        const chord_type st = (chord_type)chord_type_split_of(types[t]);
        cr_assert(st >= 0 && chord_type_info(st)->internal && !chord_type_info(types[t])->internal);
        const size_t rb = chord_type_row_bytes(types[t], k);
        cr_assert_eq(chord_type_row_bytes(st, k), rb, "same bytes per row");
        cr_assert_eq(rb % 16, 0, "16-byte rows");
        uint8_t *wq = random_weights(types[t], n, k), *ws = malloc(rb * n);
        cr_assert(ws != NULL);
        memset(ws, 0xa5, rb * n);
        for (int j = 0; j < n; j++)
            cr_assert_eq(chord_type_split_repack(types[t], wq + j * rb, ws + j * rb, k), 0);
        float *wf = falloc((size_t)n * k), *wsf = falloc((size_t)n * k), *x = falloc((size_t)m * k);
        float *yq = falloc((size_t)m * n), *ys = falloc((size_t)m * n);
        cr_assert_eq(dequant(types[t], wq, wf, (int64_t)n * k), 0);
        cr_assert_eq(dequant(st, ws, wsf, (int64_t)n * k), 0);
        expect_exact(wsf, wf, n * k, chord_type_info(st)->name);
        fill(x, (size_t)m * k, -1, 1);
        const chord_matmul_args aq = {m, n, k, types[t]}, as = {m, n, k, st};
        chord_matmul_reference(wq, x, yq, &aq);
        chord_matmul_reference(ws, x, ys, &as);
        expect_exact(ys, yq, m * n, "split matmul");
        free(wq), free(ws), free(wf), free(wsf), free(x), free(yq), free(ys);
    }
    uint8_t buf[512] = {0};
    cr_assert_eq(chord_type_split_repack(CHORD_TYPE_Q4_0, buf, buf + 256, 128), -1, "n not a multiple of 256");
    cr_assert_eq(chord_type_split_repack(CHORD_TYPE_Q5_0, buf, buf + 256, 256), -1, "q5_0 has no split form");
    cr_assert_eq(chord_type_split_of(CHORD_TYPE_Q6_K), -1);
}

/* ---- softmax ---- */

Test(softmax, known_and_identities)
{
    rng_init("softmax.known_and_identities");
    float two[2] = {0.0f, (float)log(3.0)}, y2[2];
    chord_softmax_args a = {.n_rows = 1, .n_cols = 2, .scale = 1, .rows_per_pos = 1};
    chord_softmax_reference(two, y2, &a);
    cr_assert(fabs(y2[0] - 0.25) < 1e-7 && fabs(y2[1] - 0.75) < 1e-7, "%g %g", (double)y2[0], (double)y2[1]);

    enum { R = 7, C = 301 };
    float *x = falloc(R * C), *y = falloc(R * C), *ys = falloc(R * C), *xs = falloc(R * C);
    fill(x, R * C, -20, 20);
    for (int i = 0; i < R * C; i++) /* multiples of 2^-10, so adding a row constant below is exact */
        x[i] = roundf(x[i] * 1024) / 1024;
    a = (chord_softmax_args){.n_rows = R, .n_cols = C, .scale = 0.7f, .rows_per_pos = 1};
    chord_softmax_reference(x, y, &a);
    for (int i = 0; i < R * C; i++)
        xs[i] = x[i] + (i / C) * 37.0f - 50.0f; /* a different constant per row */
    chord_softmax_reference(xs, ys, &a);
    for (int r = 0; r < R; r++) {
        double sum = 0;
        for (int c = 0; c < C; c++) {
            const float v = y[r * C + c];
            cr_assert(v >= 0 && v <= 1);
            sum += v;
            /* shift invariance */
            cr_assert(fabs(v - ys[r * C + c]) <= 1e-6 * v + 1e-30, "row %d col %d: %g vs %g", r, c, (double)v,
                      (double)ys[r * C + c]);
        }
        cr_assert(fabs(sum - 1.0) < 1e-5, "row %d sums to %.9g", r, sum);
        /* against the formula in double */
        const double sc = 0.7f;
        double mx = -INFINITY, s = 0;
        for (int c = 0; c < C; c++)
            mx = fmax(mx, sc * x[r * C + c]);
        for (int c = 0; c < C; c++)
            s += exp(sc * x[r * C + c] - mx);
        for (int c = 0; c < C; c++) {
            const double want = exp(sc * x[r * C + c] - mx) / s;
            cr_assert(fabs(y[r * C + c] - want) <= 1e-6 * want + 1e-30, "formula row %d col %d", r, c);
        }
    }
    /* in place gives the same bits */
    memcpy(ys, x, R * C * sizeof *x);
    chord_softmax_reference(ys, ys, &a);
    cr_assert(memcmp(ys, y, R * C * sizeof *y) == 0);
    free(x), free(y), free(ys), free(xs);
}

Test(softmax, causal)
{
    rng_init("softmax.causal");
    enum { R = 8, C = 5 };
    float x[R * C], y[R * C];
    fill(x, R * C, -3, 3);
    /* rows (token, head) with 2 heads; token t's limit is pos0 + t = t - 1: token 0 sees nothing */
    const chord_softmax_args a = {.n_rows = R, .n_cols = C, .scale = 1, .causal = 1, .pos0 = -1, .rows_per_pos = 2};
    chord_softmax_reference(x, y, &a);
    const int n_valid[R] = {0, 0, 1, 1, 2, 2, 3, 3};
    for (int r = 0; r < R; r++) {
        double sum = 0;
        for (int c = 0; c < C; c++) {
            if (c >= n_valid[r])
                cr_assert(y[r * C + c] == 0.0f, "row %d col %d masked: %g", r, c, (double)y[r * C + c]);
            sum += y[r * C + c];
        }
        cr_assert(fabs(sum - (n_valid[r] ? 1.0 : 0.0)) < 1e-6, "row %d sum %g", r, sum);
    }
    cr_assert(y[2 * C] == 1.0f); /* one valid column */
    /* a limit past the row keeps every column: equals the plain softmax */
    float yp[R * C];
    const chord_softmax_args big = {.n_rows = R, .n_cols = C, .scale = 1, .causal = 1, .pos0 = 100, .rows_per_pos = 1};
    const chord_softmax_args plain = {.n_rows = R, .n_cols = C, .scale = 1, .rows_per_pos = 1};
    chord_softmax_reference(x, y, &big);
    chord_softmax_reference(x, yp, &plain);
    cr_assert(memcmp(y, yp, sizeof y) == 0);
}

/* ---- rope ---- */

Test(rope, closed_form_single_pair)
{
    /* one pair (1, 0) at position 3 turns by 3 radians */
    float x[2] = {1, 0}, y[2];
    chord_rope_args a = {
        .n_tok = 1, .n_head = 1, .head_dim = 2, .n_rot = 2, .mode = CHORD_ROPE_NORMAL, .theta_base = 10000, .pos0 = 3};
    chord_rope_reference(x, y, &a);
    cr_assert(fabs(y[0] - cos(3.0)) < 1e-7 && fabs(y[1] - sin(3.0)) < 1e-7, "%g %g", (double)y[0], (double)y[1]);
    /* pair 1 of 4 rotated values turns by p * 10000^(-1/2) = p / 100; tokens 0..1 at pos0 5 */
    float x4[8] = {0, 0, 2, -1, 0, 0, 2, -1}, y4[8];
    a = (chord_rope_args){
        .n_tok = 2, .n_head = 1, .head_dim = 4, .n_rot = 4, .mode = CHORD_ROPE_NORMAL, .theta_base = 10000, .pos0 = 5};
    chord_rope_reference(x4, y4, &a);
    for (int t = 0; t < 2; t++) {
        const double th = (5 + t) / 100.0;
        cr_assert(fabs(y4[4 * t + 2] - (2 * cos(th) + sin(th))) < 1e-6, "t %d", t);
        cr_assert(fabs(y4[4 * t + 3] - (2 * sin(th) - cos(th))) < 1e-6, "t %d", t);
        cr_assert(y4[4 * t] == 0 && y4[4 * t + 1] == 0);
    }
    /* position 0 is the identity */
    a.pos0 = 0, a.n_tok = 1;
    chord_rope_reference(x4 + 4, y4, &a);
    cr_assert(memcmp(y4, x4 + 4, 4 * sizeof(float)) == 0);
}

Test(rope, norm_permutation_tail_inplace)
{
    rng_init("rope.norm_permutation_tail_inplace");
    enum { T = 3, H = 4, D = 64, R = 48 };
    const int n = T * H * D, half = R / 2;
    float *x = falloc(n), *yn = falloc(n), *yx = falloc(n), *xp = falloc(n), *yp = falloc(n), *yi = falloc(n);
    fill(x, n, -2, 2);
    chord_rope_args a = {.n_tok = T,
                         .n_head = H,
                         .head_dim = D,
                         .n_rot = R,
                         .mode = CHORD_ROPE_NORMAL,
                         .theta_base = 500000,
                         .pos0 = 77};
    chord_rope_reference(x, yn, &a);
    for (int v = 0; v < T * H; v++) {
        const float *xv = x + v * D, *yv = yn + v * D;
        for (int i = 0; i < half; i++) { /* each adjacent pair keeps its length */
            const double r0 = hypot(xv[2 * i], xv[2 * i + 1]), r1 = hypot(yv[2 * i], yv[2 * i + 1]);
            cr_assert(fabs(r0 - r1) <= 1e-6 * r0 + 1e-7, "vector %d pair %d: |x| %g |y| %g", v, i, r0, r1);
        }
        for (int d = R; d < D; d++) /* partial n_rot copies the tail */
            cr_assert(yv[d] == xv[d], "tail %d", d);
    }
    /* NEOX is NORMAL with the first n_rot values permuted: neox index i <-> normal 2i, i + half <-> 2i + 1 */
    a.mode = CHORD_ROPE_NEOX;
    chord_rope_reference(x, yx, &a);
    memcpy(xp, x, n * sizeof *x);
    for (int v = 0; v < T * H; v++)
        for (int i = 0; i < half; i++) {
            xp[v * D + 2 * i] = x[v * D + i];
            xp[v * D + 2 * i + 1] = x[v * D + i + half];
        }
    a.mode = CHORD_ROPE_NORMAL;
    chord_rope_reference(xp, yp, &a);
    for (int v = 0; v < T * H; v++) {
        for (int i = 0; i < half; i++) {
            cr_assert(yx[v * D + i] == yp[v * D + 2 * i], "neox perm v %d i %d", v, i);
            cr_assert(yx[v * D + i + half] == yp[v * D + 2 * i + 1], "neox perm v %d i %d", v, i);
        }
        for (int d = R; d < D; d++)
            cr_assert(yx[v * D + d] == x[v * D + d]);
    }
    /* in place: Y aliasing X gives the same bits, in both modes */
    for (int mode = 0; mode <= 2; mode += 2) {
        a.mode = mode;
        memcpy(yi, x, n * sizeof *x);
        chord_rope_reference(yi, yi, &a);
        cr_assert(memcmp(yi, mode ? yx : yn, n * sizeof *x) == 0, "in place, mode %d", mode);
    }
    free(x), free(yn), free(yx), free(xp), free(yp), free(yi);
}

/* ---- rmsnorm ---- */

Test(rmsnorm, formula)
{
    float x[2] = {3, 4}, w[2] = {1, 2}, y[2];
    chord_rmsnorm_args a = {.n_rows = 1, .n_cols = 2, .eps = 0};
    chord_rmsnorm_reference(x, w, y, &a);
    cr_assert(fabs(y[0] - 3 / sqrt(12.5)) < 1e-7 && fabs(y[1] - 8 / sqrt(12.5)) < 1e-6);

    rng_init("rmsnorm.formula");
    enum { R = 5, C = 1000 };
    float *xr = falloc(R * C), *wr = falloc(C), *yr = falloc(R * C);
    fill(xr, R * C, -3, 3);
    fill(wr, C, 0.5f, 1.5f);
    for (int c = 0; c < C; c++) /* row 4 is tiny, so eps matters */
        xr[4 * C + c] *= 1e-4f;
    a = (chord_rmsnorm_args){.n_rows = R, .n_cols = C, .eps = 1e-5f};
    chord_rmsnorm_reference(xr, wr, yr, &a);
    for (int r = 0; r < R; r++) {
        double ss = 0;
        for (int c = 0; c < C; c++)
            ss += (double)xr[r * C + c] * xr[r * C + c];
        const double inv = 1 / sqrt(ss / C + 1e-5f);
        for (int c = 0; c < C; c++) {
            const double want = xr[r * C + c] * inv * wr[c];
            cr_assert(fabs(yr[r * C + c] - want) <= 1e-6 * fabs(want) + 1e-12, "row %d col %d", r, c);
        }
    }
    float *yi = falloc(R * C);
    memcpy(yi, xr, R * C * sizeof *yi);
    chord_rmsnorm_reference(yi, wr, yi, &a);
    cr_assert(memcmp(yi, yr, R * C * sizeof *yi) == 0, "in place");
    free(xr), free(wr), free(yr), free(yi);
}

/* ---- add, swiglu ---- */

Test(elementwise, add_swiglu)
{
    rng_init("elementwise.add_swiglu");
    enum { N = 1027 };
    float *a = falloc(N), *b = falloc(N), *y = falloc(N);
    fill(a, N, -10, 10);
    fill(b, N, -10, 10);
    const chord_add_args aa = {N};
    chord_add_reference(a, b, y, &aa);
    for (int i = 0; i < N; i++)
        cr_assert(y[i] == a[i] + b[i]);
    memcpy(y, a, N * sizeof *y);
    chord_add_reference(y, b, y, &aa); /* Y aliasing A */
    for (int i = 0; i < N; i++)
        cr_assert(y[i] == a[i] + b[i]);

    const chord_swiglu_args sa = {N};
    chord_swiglu_reference(a, b, y, &sa);
    for (int i = 0; i < N; i++) {
        const double want = a[i] / (1 + exp(-(double)a[i])) * b[i];
        cr_assert(fabs(y[i] - want) <= 1e-6 * fabs(want) + 1e-30, "swiglu %d: %g vs %g", i, (double)y[i], want);
    }
    const float g[4] = {0, 100, -100, 1}, u[4] = {5, 2, 3, 1};
    float s[4];
    const chord_swiglu_args s4 = {4};
    chord_swiglu_reference(g, u, s, &s4);
    cr_assert(s[0] == 0.0f && s[1] == 200.0f && fabs(s[2]) < 1e-39 && fabs(s[3] - 1 / (1 + exp(-1.0))) < 1e-7);
    memcpy(s, u, sizeof s);
    chord_swiglu_reference(g, s, s, &s4); /* Y aliasing UP */
    cr_assert(s[0] == 0.0f && s[1] == 200.0f);
    free(a), free(b), free(y);
}

/* ---- attention ---- */

/* K/V caches of n_ctx rows with rows from n_valid on set to NaN: the reference must never read them. */
static void nan_tail(float *kv, int n_ctx, int n_valid, int row)
{
    for (size_t i = (size_t)n_valid * row; i < (size_t)n_ctx * row; i++)
        kv[i] = NAN;
}

Test(attention, one_key_returns_v)
{
    rng_init("attention.one_key_returns_v");
    enum { H = 4, HKV = 2, D = 16, CTX = 8 };
    float q[H * D], k[CTX * HKV * D], v[CTX * HKV * D], out[H * D];
    fill(q, H * D, -1, 1);
    fill(k, CTX * HKV * D, -1, 1);
    fill(v, CTX * HKV * D, -1, 1);
    nan_tail(k, CTX, 1, HKV * D);
    nan_tail(v, CTX, 1, HKV * D);
    const chord_attention_args a = {
        .n_tok = 1, .n_head = H, .n_head_kv = HKV, .head_dim = D, .pos0 = 0, .scale = 0.25f};
    chord_attention_reference(q, k, v, out, &a);
    for (int h = 0; h < H; h++) /* head h reads kv head h / 2 */
        for (int d = 0; d < D; d++)
            cr_assert(out[h * D + d] == v[(h / 2) * D + d], "head %d dim %d: %g vs %g", h, d, (double)out[h * D + d],
                      (double)v[(h / 2) * D + d]);
}

Test(attention, two_keys_known_weights)
{
    /* q.k0 = 0, q.k1 = ln 3 / scale: weights 1/4 and 3/4 */
    const float scale = 0.5f;
    float q[2] = {1, 0}, k[3 * 2] = {0, 1, (float)(log(3.0) / scale), 0, NAN, NAN}, v[3 * 2] = {4, 8, 0, -4, NAN, NAN};
    float out[2];
    const chord_attention_args a = {.n_tok = 1, .n_head = 1, .n_head_kv = 1, .head_dim = 2, .pos0 = 1, .scale = scale};
    chord_attention_reference(q, k, v, out, &a);
    cr_assert(fabs(out[0] - 1.0) < 1e-6 && fabs(out[1] - (2.0 - 3.0)) < 1e-6, "%g %g", (double)out[0], (double)out[1]);
}

/* An independent loop over explicit MHA K/V (each kv head copied for its query heads), causal by position. */
Test(attention, gqa_causal_vs_naive)
{
    rng_init("attention.gqa_causal_vs_naive");
    enum { T = 5, H = 6, HKV = 2, D = 24, P0 = 3, CTX = 16 };
    const int group = H / HKV;
    float *q = falloc(T * H * D), *k = falloc(CTX * HKV * D), *v = falloc(CTX * HKV * D), *out = falloc(T * H * D);
    fill(q, T * H * D, -1, 1);
    fill(k, CTX * HKV * D, -1, 1);
    fill(v, CTX * HKV * D, -1, 1);
    nan_tail(k, CTX, P0 + T, HKV * D);
    nan_tail(v, CTX, P0 + T, HKV * D);
    const float scale = 1 / sqrtf(D);
    const chord_attention_args a = {
        .n_tok = T, .n_head = H, .n_head_kv = HKV, .head_dim = D, .pos0 = P0, .scale = scale};
    for (int i = 0; i < T * H * D; i++)
        out[i] = NAN;
    chord_attention_reference(q, k, v, out, &a);
    for (int t = 0; t < T; t++)
        for (int h = 0; h < H; h++) {
            const int hk = h / group;
            double w[P0 + T], mx = -INFINITY, sum = 0;
            for (int j = 0; j <= P0 + t; j++) {
                double dot = 0;
                for (int d = 0; d < D; d++)
                    dot += (double)q[(t * H + h) * D + d] * k[(j * HKV + hk) * D + d];
                w[j] = scale * dot;
                mx = fmax(mx, w[j]);
            }
            for (int j = 0; j <= P0 + t; j++)
                sum += (w[j] = exp(w[j] - mx));
            for (int d = 0; d < D; d++) {
                double o = 0;
                for (int j = 0; j <= P0 + t; j++)
                    o += w[j] / sum * v[(j * HKV + hk) * D + d];
                const float got = out[(t * H + h) * D + d];
                cr_assert(fabs(got - o) <= 1e-6 * fabs(o) + 1e-7, "t %d h %d d %d: %g vs %g", t, h, d, (double)got, o);
            }
        }
    /* the head mapping from the other side: adding 1 to every V row of kv head 0 adds 1 to the
     * outputs of query heads 0 .. group-1 (their weights sum to 1) and leaves the others untouched */
    float *out2 = falloc(T * H * D);
    for (int j = 0; j < P0 + T; j++)
        for (int d = 0; d < D; d++)
            v[(j * HKV + 0) * D + d] += 1.0f;
    chord_attention_reference(q, k, v, out2, &a);
    for (int t = 0; t < T; t++)
        for (int h = 0; h < H; h++)
            for (int d = 0; d < D; d++) {
                const float o1 = out[(t * H + h) * D + d], o2 = out2[(t * H + h) * D + d];
                if (h < group)
                    cr_assert(fabs(o2 - (o1 + 1.0f)) < 1e-5, "head %d shifted", h);
                else
                    cr_assert(o2 == o1, "head %d untouched", h);
            }
    free(q), free(k), free(v), free(out), free(out2);
}
