/* add: y = a + b over n floats (contract: kernels/add/add.h; Y may alias A or B).
 * Each work-item handles EW_VPI values EW_WG apart, so every load instruction of a work-group reads
 * one contiguous span (coalesced) and each item keeps EW_VPI loads in flight.
 *
 * Versions: v1 one value per item; v2 (this) EW_VPI values per item: fewer, longer-lived items. */
__kernel __attribute__((reqd_work_group_size(EW_WG, 1, 1)))
void add(__global const uchar *ab, ulong a_off, __global const uchar *bb, ulong b_off, __global uchar *yb, ulong y_off,
         ulong n)
{
    __global const float *a = CHORD_AT_CONST(float, ab, a_off); /* (n) */
    __global const float *b = CHORD_AT_CONST(float, bb, b_off); /* (n) */
    __global float *y = CHORD_AT(float, yb, y_off);             /* (n) */
    const ulong base = (ulong)get_group_id(0) * (EW_WG * EW_VPI) + get_local_id(0);
    float va[EW_VPI], vb[EW_VPI];
#pragma unroll
    for (int j = 0; j < EW_VPI; j++) {
        const ulong i = base + (ulong)j * EW_WG;
        va[j] = i < n ? a[i] : 0.0f;
        vb[j] = i < n ? b[i] : 0.0f;
    }
#pragma unroll
    for (int j = 0; j < EW_VPI; j++) {
        const ulong i = base + (ulong)j * EW_WG;
        if (i < n)
            y[i] = va[j] + vb[j];
    }
}
