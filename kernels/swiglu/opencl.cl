/* swiglu: y = silu(gate) * up, silu(g) = g / (1 + exp(-g)) (contract: kernels/swiglu/swiglu.h;
 * Y may alias GATE or UP). Same access pattern as add: EW_VPI coalesced values per work-item.
 *
 * Versions: v1 one value per item; v2 (this) EW_VPI values per item. exp() rather than native_exp:
 * the reference is double and the bound is 1e-5 relative. */
__kernel __attribute__((reqd_work_group_size(EW_WG, 1, 1)))
void swiglu(__global const uchar *gb, ulong g_off, __global const uchar *ub, ulong u_off, __global uchar *yb,
            ulong y_off, ulong n)
{
    __global const float *gate = CHORD_AT_CONST(float, gb, g_off); /* (n) */
    __global const float *up = CHORD_AT_CONST(float, ub, u_off);   /* (n) */
    __global float *y = CHORD_AT(float, yb, y_off);                /* (n) */
    const ulong base = (ulong)get_group_id(0) * (EW_WG * EW_VPI) + get_local_id(0);
    float vg[EW_VPI], vu[EW_VPI];
#pragma unroll
    for (int j = 0; j < EW_VPI; j++) {
        const ulong i = base + (ulong)j * EW_WG;
        vg[j] = i < n ? gate[i] : 0.0f;
        vu[j] = i < n ? up[i] : 0.0f;
    }
#pragma unroll
    for (int j = 0; j < EW_VPI; j++) {
        const ulong i = base + (ulong)j * EW_WG;
        if (i < n)
            y[i] = vg[j] / (1.0f + exp(-vg[j])) * vu[j];
    }
}
