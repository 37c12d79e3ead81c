/* GGUF weight formats for compute shaders, selected by one WTYPE_<type> define.
 * Mirrors kernels/common/types.h (block layouts) and kernels/dequant/ref.c (arithmetic, same order;
 * `precise` keeps d * q + m from being fused so dequant stays bit-exact).
 *
 * Include after declaring the weights as `uint W[]` (tensor 0 of matmul and dequant). Blocks are read
 * with byte-address arithmetic because 18/22/34-byte blocks are only 2-aligned; no 8/16-bit storage
 * feature is needed.
 *
 * Every format is cut into units of 8 values: dq_unit(a, u, lo, hi, ilo, ihi) decodes unit u of the
 * block at byte address a into two runs of 4 consecutive values starting at ilo and ihi (indices
 * within the block). Float types are "blocks" of 8 values (QK 8) plus a tail read by w_elem(). The split
 * super-blocks (q4_0_split, q4_1_split, q8_0_split; types.h) are blocks of 256 whose units are one lane's words,
 * so every shader that walks units reads them. */

/* The 4 bytes at byte address a (any alignment) as a little-endian uint. */
uint w_u32(uint a)
{
    uint i = a >> 2;
    uint s = (a & 3u) << 3;
    uint v = W[i];
    if (s != 0u)
        v = (v >> s) | (W[i + 1u] << (32u - s));
    return v;
}

uint w_u16(uint a) /* a is even */
{
    return (W[a >> 2] >> ((a & 2u) << 3)) & 0xffffu;
}

uint w_u8(uint a)
{
    return (W[a >> 2] >> ((a & 3u) << 3)) & 0xffu;
}

/* Scales are f16. dequant defines CHORD_F16_EXACT: the integer conversion keeps subnormal scales
 * exact whatever the device's denormal mode; matmul takes the hardware conversion. */
float w_f16(uint a)
{
#ifdef CHORD_F16_EXACT
    return uintBitsToFloat(chord_f16_bits_to_f32_bits(w_u16(a)));
#else
    return unpackHalf2x16(w_u16(a)).x;
#endif
}

/* Byte j (0..3) of w as unsigned / signed. */
#define BYTE_U(w, j) (((w) >> (8u * (j))) & 0xffu)
#define BYTE_S(w, j) bitfieldExtract(int(w), int(8u * (j)), 8)

#if defined(WTYPE_F32)
#define QK 8u
#define BLOCK_BYTES 32u
#define W_IS_FLOAT 1
#elif defined(WTYPE_F16) || defined(WTYPE_BF16)
#define QK 8u
#define BLOCK_BYTES 16u
#define W_IS_FLOAT 1
#elif defined(WTYPE_Q4_0)
#define QK 32u
#define BLOCK_BYTES 18u
#elif defined(WTYPE_Q4_1)
#define QK 32u
#define BLOCK_BYTES 20u
#elif defined(WTYPE_Q5_0)
#define QK 32u
#define BLOCK_BYTES 22u
#elif defined(WTYPE_Q5_1)
#define QK 32u
#define BLOCK_BYTES 24u
#elif defined(WTYPE_Q8_0)
#define QK 32u
#define BLOCK_BYTES 34u
#elif defined(WTYPE_Q4_K)
#define QK 256u
#define BLOCK_BYTES 144u
#elif defined(WTYPE_Q5_K)
#define QK 256u
#define BLOCK_BYTES 176u
#elif defined(WTYPE_Q6_K)
#define QK 256u
#define BLOCK_BYTES 210u
#elif defined(WTYPE_Q4_0_SPLIT)
#define QK 256u
#define BLOCK_BYTES 144u
#elif defined(WTYPE_Q4_1_SPLIT)
#define QK 256u
#define BLOCK_BYTES 160u
#elif defined(WTYPE_Q8_0_SPLIT)
#define QK 256u
#define BLOCK_BYTES 272u
#else
#error "define one WTYPE_<type>"
#endif
#define UNITS (QK / 8u)

#if defined(WTYPE_F32) || defined(WTYPE_F16) || defined(WTYPE_BF16)
/* Value i of a float row starting at byte address a. */
float w_elem(uint a, uint i)
{
#if defined(WTYPE_F32)
    return uintBitsToFloat(W[(a >> 2) + i]);
#elif defined(WTYPE_F16)
    return w_f16(a + 2u * i);
#else
    return chord_bf16_to_f32(w_u16(a + 2u * i));
#endif
}
#endif

#if defined(WTYPE_Q4_K) || defined(WTYPE_Q5_K)
/* ggml's get_scale_min_k4: the 6-bit (scale, min) pair j of the 12 scale bytes at byte address s. */
void scale_min_k4(uint s, uint j, out float sc, out float m)
{
    if (j < 4u) {
        sc = float(w_u8(s + j) & 63u);
        m = float(w_u8(s + j + 4u) & 63u);
    } else {
        uint b4 = w_u8(s + j + 4u);
        sc = float((b4 & 0x0fu) | ((w_u8(s + j - 4u) >> 6) << 4));
        m = float((b4 >> 4) | ((w_u8(s + j) >> 6) << 4));
    }
}
#endif

#if !defined(W_IS_FLOAT)
#if defined(WTYPE_Q4_1) || defined(WTYPE_Q5_1) || defined(WTYPE_Q4_K) || defined(WTYPE_Q5_K) || \
    defined(WTYPE_Q4_1_SPLIT)
#define DQ_HAS_MIN 1 /* value = d * q + m; the other block types are value = d * q */
#endif

/* Unit u of the block at byte address a as integers before scaling: value i of a run is
 * d * q[i] (+ m with DQ_HAS_MIN), the low run (qlo) with (d.x, m.x), the high run (qhi) with
 * (d.y, m.y). q holds small integers, exact in float, already offset where the format subtracts a
 * constant (q4_0: nibble - 8), so d * q rounds exactly as kernels/dequant/ref.c's (q - 8) * d.
 * matmul takes the dot products of q with X and scales once per run. */
void dq_unit_raw(uint a, uint u, out vec4 qlo, out vec4 qhi, out vec2 d, out vec2 m, out uint ilo, out uint ihi)
{
    m = vec2(0.0);
#if defined(WTYPE_Q4_0) || defined(WTYPE_Q4_1)
    /* values 4u..4u+3 are low nibbles of qs[4u..], 16+4u.. their high nibbles (q4_0 subtracts 8, q4_1 adds m) */
    d = vec2(w_f16(a));
#if defined(WTYPE_Q4_0)
    uint q = w_u32(a + 2u + 4u * u);
#define Q4_OFF 8.0
#else
    m = vec2(w_f16(a + 2u));
    uint q = w_u32(a + 4u + 4u * u);
#define Q4_OFF 0.0
#endif
    for (uint j = 0u; j < 4u; j++) {
        qlo[j] = U2F(BYTE_U(q, j) & 0x0fu, Q4_OFF);
        qhi[j] = U2F(BYTE_U(q, j) >> 4, Q4_OFF);
    }
#undef Q4_OFF
    ilo = 4u * u;
    ihi = 16u + 4u * u;
#elif defined(WTYPE_Q5_0) || defined(WTYPE_Q5_1)
#if defined(WTYPE_Q5_0)
    d = vec2(w_f16(a));
    uint qh = w_u32(a + 2u);
    uint q = w_u32(a + 6u + 4u * u);
#else
    d = vec2(w_f16(a));
    m = vec2(w_f16(a + 2u));
    uint qh = w_u32(a + 4u);
    uint q = w_u32(a + 8u + 4u * u);
#endif
    for (uint j = 0u; j < 4u; j++) {
        uint jj = 4u * u + j;
        uint x0 = (BYTE_U(q, j) & 0x0fu) | (((qh >> jj) & 1u) << 4);
        uint x1 = (BYTE_U(q, j) >> 4) | (((qh >> (jj + 16u)) & 1u) << 4);
#if defined(WTYPE_Q5_0)
        qlo[j] = U2F(x0, 16.0);
        qhi[j] = U2F(x1, 16.0);
#else
        qlo[j] = U2F(x0, 0.0);
        qhi[j] = U2F(x1, 0.0);
#endif
    }
    ilo = 4u * u;
    ihi = 16u + 4u * u;
#elif defined(WTYPE_Q8_0)
    d = vec2(w_f16(a));
    uint q0 = w_u32(a + 2u + 8u * u), q1 = w_u32(a + 6u + 8u * u);
    for (uint j = 0u; j < 4u; j++) {
        qlo[j] = U2F(BYTE_U(q0, j) ^ 0x80u, 128.0); /* two's complement + 128 */
        qhi[j] = U2F(BYTE_U(q1, j) ^ 0x80u, 128.0);
    }
    ilo = 8u * u;
    ihi = 8u * u + 4u;
#elif defined(WTYPE_Q4_K) || defined(WTYPE_Q5_K)
    /* unit u: 64-value group c = u / 8, lane w = u % 8 of its 32 qs bytes; low nibbles are
     * sub-block 2c (values 64c + l), high nibbles sub-block 2c+1 (values 64c + 32 + l).
     * value = d * sc * q - dmin * mn: m is the negated product, which is exact */
    uint c = u >> 3, w = u & 7u;
    float dd = w_f16(a), dmin = w_f16(a + 2u);
    float sc1, m1i, sc2, m2i;
    scale_min_k4(a + 4u, 2u * c, sc1, m1i);
    scale_min_k4(a + 4u, 2u * c + 1u, sc2, m2i);
    precise vec2 dp = vec2(dd * sc1, dd * sc2), mp = vec2(dmin * m1i, dmin * m2i);
    d = dp;
    m = -mp;
#if defined(WTYPE_Q4_K)
    uint q = w_u32(a + 16u + 32u * c + 4u * w);
#else
    uint q = w_u32(a + 48u + 32u * c + 4u * w);
    uint qh = w_u32(a + 16u + 4u * w); /* qh[l] for the same l */
#endif
    for (uint j = 0u; j < 4u; j++) {
        uint x0 = BYTE_U(q, j) & 0x0fu, x1 = BYTE_U(q, j) >> 4;
#if defined(WTYPE_Q5_K)
        uint h = BYTE_U(qh, j);
        x0 |= ((h >> (2u * c)) & 1u) << 4;
        x1 |= ((h >> (2u * c + 1u)) & 1u) << 4;
#endif
        qlo[j] = U2F(x0, 0.0);
        qhi[j] = U2F(x1, 0.0);
    }
    ilo = 64u * c + 4u * w;
    ihi = 64u * c + 32u + 4u * w;
#elif defined(WTYPE_Q6_K)
    /* unit u: half hf = u / 16 (128 values), p = which ql byte run (l or l + 32), g = group of 4 l's.
     * p = 0 gives q1 (values l) and q3 (l + 64); p = 1 gives q2 (l + 32) and q4 (l + 96). */
    uint hf = u >> 4, p = (u >> 3) & 1u, g = u & 7u;
    float dd = w_f16(a + 208u);
    uint ql = w_u32(a + 64u * hf + 32u * p + 4u * g);
    uint qh = w_u32(a + 128u + 32u * hf + 4u * g);
    uint is = 8u * hf + (g >> 2) + 2u * p; /* scale of the low run; the high run's is 4 further */
    precise vec2 dp = vec2(dd * float(bitfieldExtract(int(w_u8(a + 192u + is)), 0, 8)),
                           dd * float(bitfieldExtract(int(w_u8(a + 196u + is)), 0, 8)));
    d = dp;
    for (uint j = 0u; j < 4u; j++) {
        uint hb = BYTE_U(qh, j);
        qlo[j] = U2F((BYTE_U(ql, j) & 0x0fu) | (((hb >> (2u * p)) & 3u) << 4), 32.0);
        qhi[j] = U2F((BYTE_U(ql, j) >> 4) | (((hb >> (2u * p + 4u)) & 3u) << 4), 32.0);
    }
    ilo = 128u * hf + 32u * p + 4u * g;
    ihi = ilo + 64u;
#elif defined(WTYPE_Q4_0_SPLIT) || defined(WTYPE_Q4_1_SPLIT)
    /* the split super-block (types.h): unit u is word w = u % 4 of lane j = u / 4, whose low nibbles are values
     * 32 (2w) + 4j + t of block 2w and high nibbles those of block 2w + 1; adjacent units read adjacent words */
    uint j = u >> 2, w = u & 3u;
    uint q = w_u32(a + 16u * j + 4u * w);
    d = vec2(w_f16(a + 128u + 4u * w), w_f16(a + 130u + 4u * w));
#if defined(WTYPE_Q4_1_SPLIT)
    m = vec2(w_f16(a + 144u + 4u * w), w_f16(a + 146u + 4u * w));
#define Q4_OFF 0.0
#else
#define Q4_OFF 8.0
#endif
    for (uint t = 0u; t < 4u; t++) {
        qlo[t] = U2F(BYTE_U(q, t) & 0x0fu, Q4_OFF);
        qhi[t] = U2F(BYTE_U(q, t) >> 4, Q4_OFF);
    }
#undef Q4_OFF
    ilo = 64u * w + 4u * j;
    ihi = ilo + 32u;
#elif defined(WTYPE_Q8_0_SPLIT)
    /* unit u is words 2p, 2p + 1 (p = u % 4) of lane j = u / 4: values 32 g + 4j + t of blocks g = 2p, 2p + 1 */
    uint j = u >> 2, p = u & 3u;
    uint q0 = w_u32(a + 32u * j + 8u * p), q1 = w_u32(a + 32u * j + 8u * p + 4u);
    d = vec2(w_f16(a + 256u + 4u * p), w_f16(a + 258u + 4u * p));
    for (uint t = 0u; t < 4u; t++) {
        qlo[t] = U2F(BYTE_U(q0, t) ^ 0x80u, 128.0);
        qhi[t] = U2F(BYTE_U(q1, t) ^ 0x80u, 128.0);
    }
    ilo = 64u * p + 4u * j;
    ihi = ilo + 32u;
#endif
}
#endif

void dq_unit(uint a, uint u, out vec4 lo, out vec4 hi, out uint ilo, out uint ihi)
{
#if defined(WTYPE_F32)
    uint i = a >> 2;
    lo = vec4(uintBitsToFloat(W[i]), uintBitsToFloat(W[i + 1u]), uintBitsToFloat(W[i + 2u]),
              uintBitsToFloat(W[i + 3u]));
    hi = vec4(uintBitsToFloat(W[i + 4u]), uintBitsToFloat(W[i + 5u]), uintBitsToFloat(W[i + 6u]),
              uintBitsToFloat(W[i + 7u]));
    ilo = 0u;
    ihi = 4u;
#elif defined(WTYPE_F16)
    lo = vec4(unpackHalf2x16(w_u32(a)), unpackHalf2x16(w_u32(a + 4u)));
    hi = vec4(unpackHalf2x16(w_u32(a + 8u)), unpackHalf2x16(w_u32(a + 12u)));
    ilo = 0u;
    ihi = 4u;
#elif defined(WTYPE_BF16)
    uint w0 = w_u32(a), w1 = w_u32(a + 4u), w2 = w_u32(a + 8u), w3 = w_u32(a + 12u);
    lo = vec4(uintBitsToFloat(w0 << 16), uintBitsToFloat(w0 & 0xffff0000u), uintBitsToFloat(w1 << 16),
              uintBitsToFloat(w1 & 0xffff0000u));
    hi = vec4(uintBitsToFloat(w2 << 16), uintBitsToFloat(w2 & 0xffff0000u), uintBitsToFloat(w3 << 16),
              uintBitsToFloat(w3 & 0xffff0000u));
    ilo = 0u;
    ihi = 4u;
#else
    /* the reference's order: d * q, then + m, each rounded (no fused multiply-add) */
    vec4 qlo, qhi;
    vec2 d, m;
    dq_unit_raw(a, u, qlo, qhi, d, m, ilo, ihi);
    for (uint j = 0u; j < 4u; j++) {
#ifdef DQ_HAS_MIN
        precise float l = qlo[j] * d.x + m.x;
        precise float h = qhi[j] * d.y + m.y;
#else
        precise float l = qlo[j] * d.x;
        precise float h = qhi[j] * d.y;
#endif
        lo[j] = l;
        hi[j] = h;
    }
#endif
}
