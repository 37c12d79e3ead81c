/* Shared by chord's compute shaders (GLSL 450, SPIR-V for Vulkan 1.1).
 *
 * Conventions every shader follows, which runtime/vulkan_ops.c mirrors:
 * - binding i is tensor i of the op (see kernels/<op>/<op>.h), bound at the tensor's offset rounded
 *   down to minStorageBufferOffsetAlignment; the rest of the offset, in BYTES, is in the push
 *   constants o0..o3 (f32 tensors divide by 4: their offsets are multiples of 4);
 * - specialization constant 0 is the work-group size (a power of two the host picks from the device
 *   limits); shared-memory reductions need nothing else, so no subgroup width is ever assumed;
 * - big 1-D ranges use grid-stride loops, so dispatches stay under maxComputeWorkGroupCount. */

/* Push-constant prefix: the byte remainders of the tensor offsets. */
#define CHORD_PC_OFFSETS uint o0, o1, o2, o3

/* A tree reduction over `red` (WG floats, WG a power of two); every invocation must call it.
 * The sum ends in red[0]; the caller reads it after the final barrier. */
#define CHORD_REDUCE_SUM(red, tid)                        \
    barrier();                                            \
    for (uint s_ = WG / 2u; s_ > 0u; s_ >>= 1u) {         \
        if ((tid) < s_)                                   \
            red[(tid)] += red[(tid) + s_];                \
        barrier();                                        \
    }

#define CHORD_REDUCE_MAX(red, tid)                        \
    barrier();                                            \
    for (uint s_ = WG / 2u; s_ > 0u; s_ >>= 1u) {         \
        if ((tid) < s_)                                   \
            red[(tid)] = max(red[(tid)], red[(tid) + s_]); \
        barrier();                                        \
    }

/* float(n) - off for a small unsigned n (< 2^23), exactly: n in the mantissa of 2^23, then one
 * subtraction. An integer-to-float conversion runs at a quarter of the FMA rate on NVIDIA GPUs, and
 * the GEMV converts every weight: on the H100 that, not memory, bounded quantized matmul. */
#define U2F(n, off) (uintBitsToFloat((n) | 0x4b000000u) - (8388608.0 + (off)))

float chord_bf16_to_f32(uint h)
{
    return uintBitsToFloat(h << 16);
}

/* IEEE binary16 bits to binary32 bits in integer arithmetic: exact for subnormals, infinities and
 * signed zeros whatever the device's float denormal mode (dequant must be bit-exact). */
uint chord_f16_bits_to_f32_bits(uint h)
{
    uint sign = (h & 0x8000u) << 16;
    uint e = (h >> 10) & 0x1fu;
    uint m = h & 0x3ffu;
    if (e == 0u) {
        if (m == 0u)
            return sign;
        int top = findMSB(m); /* 0..9: the subnormal's leading one */
        uint exp32 = uint(127 - 15 - (10 - top) + 1);
        return sign | (exp32 << 23) | (((m << uint(10 - top)) & 0x3ffu) << 13);
    }
    if (e == 31u)
        return sign | 0x7f800000u | (m << 13);
    return sign | ((e + 112u) << 23) | (m << 13);
}
