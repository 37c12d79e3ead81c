/* dequant: GGUF blocks to f32 (contract: kernels/dequant/dequant.h), bit-exact with the reference.
 * One work-item per 8-value chunk (kernels/common/opencl_quant.cl): neighbouring items read
 * neighbouring bytes of the blocks and write neighbouring 32-byte spans. DST16 (destination offset a
 * multiple of 16) stores two float4s instead of 8 scalars. The float types (f32, f16, bf16) may end
 * inside a chunk: the last item writes the tail value by value.
 *
 * Versions: v1 one item per block (32 or 256 values, strided 32 KiB writes per group); v2 (this)
 * 8-value chunks, vector stores where aligned. */
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
