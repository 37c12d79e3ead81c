/* Shared OpenCL C, prepended to every op's source (runtime/opencl.cmake lists the order).
 * Targets OpenCL C 1.2 without extensions: no fp16 arithmetic (halves are decoded from their bits
 * in integer code, bit-exact with kernels/common/types.c), no subgroups, no work-group reduce
 * built-ins (reductions are local-memory trees). Tensors arrive as (buffer, byte offset) pairs:
 * offsets are multiples of 4 for f32 tensors and of 2 for quantized rows, so kernels read f32 data
 * with scalar or vloadN accesses (4-byte alignment) and quantized blocks with byte/ushort reads.
 *
 * Versions: v1 halves through vload_half; replaced by integer decoding since the f16 dequant must be
 * exact for subnormals and infinities on every implementation. */

/* Bit-exact dequantization needs d * q + m as two roundings, like the reference: contraction is off
 * everywhere, and kernels that want fused multiply-adds say fma() explicitly. */
#pragma OPENCL FP_CONTRACT OFF

#if CHORD_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

/* RoPE's angle for pair j of n_rot at position pos, as cos and sin (chord_rope_turn applies it): double where the
 * device has fp64 (rope's header says why), theta_base^(-2j/n_rot) as exp2 of a product. rope (kernels/rope/
 * opencl.cl) and the split matmul's rotating store (matmul_qkv, kernels/matmul/opencl.cl) rotate with it, the same
 * numbers in both. */
#if CHORD_FP64
typedef double chord_rope_t;
#else
typedef float chord_rope_t;
#endif
static inline void chord_rope_angle(int pos, int j, int n_rot, float theta_base, chord_rope_t *cs, chord_rope_t *sn)
{
#if CHORD_FP64
    const double theta = (double)pos * exp2(log2((double)theta_base) * (-2.0 * j / n_rot));
#else
    const float theta = (float)pos * pow(theta_base, -2.0f * j / n_rot);
#endif
    *cs = cos(theta);
    *sn = sin(theta);
}
/* The pair (x0, x1) turned by that angle, in chord_rope_t: rope's expression, for both of its users */
static inline float2 chord_rope_turn(float x0, float x1, chord_rope_t cs, chord_rope_t sn)
{
    const chord_rope_t a0 = x0, a1 = x1;
    return (float2)((float)(a0 * cs - a1 * sn), (float)(a0 * sn + a1 * cs));
}

/* A typed pointer at a byte offset into a buffer. */
#define CHORD_AT(type, base, off) ((__global type *)((__global uchar *)(base) + (off)))
#define CHORD_AT_CONST(type, base, off) ((__global const type *)((__global const uchar *)(base) + (off)))

/* IEEE binary16 bits to float. Subnormals are mant * 2^-24, exact in float. */
static inline float chord_f16(uint h)
{
    const uint sign = (h & 0x8000u) << 16;
    const uint e = (h >> 10) & 0x1fu;
    const uint mant = h & 0x3ffu;
    if (e == 0) {
        const float v = (float)mant * 5.9604644775390625e-8f;
        return sign ? -v : v;
    }
    if (e == 31)
        return as_float(sign | 0x7f800000u | (mant << 13));
    return as_float(sign | ((e + 112u) << 23) | (mant << 13));
}

static inline float chord_bf16(uint h)
{
    return as_float(h << 16);
}

/* Little-endian 16-bit read at a 2-aligned byte address. */
static inline uint chord_rd16(__global const uchar *p)
{
    return *(__global const ushort *)p;
}

/* Little-endian 32-bit read at a 2-aligned byte address (quant blocks are only 2-aligned). */
static inline uint chord_rd32(__global const uchar *p)
{
    const __global ushort *s = (const __global ushort *)p;
    return (uint)s[0] | ((uint)s[1] << 16);
}

/* Sum / max over a work-group of n items (n a power of 2), every item gets the result.
 * scratch holds n floats; the trailing barrier lets the caller reuse it at once.
 * always_inline: a kernel calling one of these twice (softmax) may otherwise keep it out of line, and
 * the optimizer then folds the kernel's __local array into its body; PoCL (3.1) gives a __local only
 * referenced from another function no per-work-group storage but one static, shared by every thread,
 * so concurrent groups mixed their maxes (a fully masked row's -inf gave another row NaN). */
#define CHORD_WG_REDUCE(name, combine)                                                              \
    static inline __attribute__((always_inline)) float name(float v, __local float *scratch, int n) \
    {                                                                                               \
        const int lid = get_local_id(0);                                                            \
        scratch[lid] = v;                                                                           \
        barrier(CLK_LOCAL_MEM_FENCE);                                                               \
        for (int s = n / 2; s > 0; s >>= 1) {                                                       \
            if (lid < s)                                                                            \
                scratch[lid] = combine(scratch[lid], scratch[lid + s]);                             \
            barrier(CLK_LOCAL_MEM_FENCE);                                                           \
        }                                                                                           \
        const float r = scratch[0];                                                                 \
        barrier(CLK_LOCAL_MEM_FENCE);                                                               \
        return r;                                                                                   \
    }
#define CHORD_ADD2(x, y) ((x) + (y)) /* the sum's combine, as fmax is the max's */
CHORD_WG_REDUCE(chord_wg_sum, CHORD_ADD2)
CHORD_WG_REDUCE(chord_wg_max, fmax)
