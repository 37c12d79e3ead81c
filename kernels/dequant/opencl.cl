/* dequant: GGUF blocks to f32 (contract: kernels/dequant/dequant.h), bit-exact with the reference.
 * One work-item per 8-value chunk (kernels/common/opencl_quant.cl): neighbouring items read
 * neighbouring bytes of the blocks and write neighbouring 32-byte spans. DST16 (destination offset a
 * multiple of 16) stores two float4s instead of 8 scalars. The float types (f32, f16, bf16) may end
 * inside a chunk: the last item writes the tail value by value.
 *
 * The split super-blocks (kernels/common/types.h) are read by lanes: one work-item per (super-block, lane j) takes
 * lane j's 16 or 32 quant bytes and the scale run, and writes 4 values of each of the 8 blocks; the 8 items of a
 * super-block write its 256 values side by side. Scales are decoded from their bits (chord_f16), so every value is
 * the reference's exactly.
 *
 * Versions: v1 one item per block (32 or 256 values, strided 32 KiB writes per group); v2 (this)
 * 8-value chunks, vector stores where aligned; the split types by lanes. */
#ifdef CHORD_SPLIT
__kernel void dequant(__global const uchar *sb, ulong s_off, __global uchar *db, ulong d_off, ulong n)
{
    const ulong c = get_global_id(0); /* super-block c / 8, lane c % 8 */
    if (32 * c >= n)
        return;
    const int j = (int)(c % 8);
    __global const uchar *blk = sb + s_off + (c / 8) * CHORD_SPLIT_BYTES;  /* (n / 256) super-blocks */
    __global float *dst = CHORD_AT(float, db, d_off) + (c / 8) * 256 + 4 * j; /* (n), lane j's first value */
    uint4 q[CHORD_SPLIT_QW];
#pragma unroll
    for (int i = 0; i < CHORD_SPLIT_QW; i++)
        q[i] = chord_ld16_2(blk + 16 * (CHORD_SPLIT_QW * j + i)); /* blocks are 2-aligned at worst here */
#pragma unroll
    for (int g = 0; g < 8; g++) {
        const float d = chord_f16(chord_rd16(blk + CHORD_SPLIT_SOFF + 2 * g));
        float4 v = chord_split_ints(chord_split_word(q, g)) * d;
#if CHORD_SPLIT_HAS_M
        v = v + chord_f16(chord_rd16(blk + CHORD_SPLIT_SOFF + 16 + 2 * g));
#endif
#if DST16
        *(__global float4 *)(dst + 32 * g) = v;
#else
        vstore4(v, 0, dst + 32 * g);
#endif
    }
}
#else
__kernel void dequant(__global const uchar *sb, ulong s_off, __global uchar *db, ulong d_off, ulong n)
{
    __global const uchar *src = sb + s_off;          /* (n / block_size) blocks */
    __global float *dst = CHORD_AT(float, db, d_off); /* (n) */
    const ulong c = get_global_id(0);
    if (8 * c + 8 <= n) {
        const float8 v = CHORD_DQ8(src, (uint)c);
#if DST16
        __global float4 *d4 = (__global float4 *)dst;
        d4[2 * c] = v.lo;
        d4[2 * c + 1] = v.hi;
#else
        vstore8(v, c, dst);
#endif
        return;
    }
#ifdef CHORD_DQ1
    for (ulong i = 8 * c; i < n; i++)
        dst[i] = CHORD_DQ1(src, i);
#endif
}
#endif
