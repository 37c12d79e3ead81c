/* gelu: y = 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3) (contract: kernels/gelu/gelu.h; Y may alias
 * X), computed as x / (1 + exp(-2u)), the same function without the cancellation of 1 + tanh u as u -> -inf.
 * Same access pattern as add: EW_VPI coalesced values per work-item.
 *
 * Versions: v1 (this) EW_VPI values per item; exp() rather than native_exp: the reference is double and the
 * bound is 1e-5 relative. */
__kernel __attribute__((reqd_work_group_size(EW_WG, 1, 1)))
void gelu(__global const uchar *xb, ulong x_off, __global uchar *yb, ulong y_off, ulong n)
{
    __global const float *x = CHORD_AT_CONST(float, xb, x_off); /* (n) */
    __global float *y = CHORD_AT(float, yb, y_off);             /* (n) */
    const ulong base = (ulong)get_group_id(0) * (EW_WG * EW_VPI) + get_local_id(0);
    float v[EW_VPI];
#pragma unroll
    for (int j = 0; j < EW_VPI; j++) {
        const ulong i = base + (ulong)j * EW_WG;
        v[j] = i < n ? x[i] : 0.0f;
    }
#pragma unroll
    for (int j = 0; j < EW_VPI; j++) {
        const ulong i = base + (ulong)j * EW_WG;
        const float u = 0.7978845608028654f * (v[j] + 0.044715f * v[j] * v[j] * v[j]); /* sqrt(2/pi) */
        if (i < n)
            y[i] = v[j] / (1.0f + exp(-2.0f * u));
    }
}
