/* The angle arithmetic of rope's CUDA kernels (kernels/rope/cuda.cu has the reasoning), shared with the fused
 * ops whose epilogue rotates (matmul_qkv). */
#ifndef CHORD_CUDA_ROPE_CUH
#define CHORD_CUDA_ROPE_CUH

/* sin and cos of p * f: the product and its reduction to [-pi, pi] in double, only the reduced angle in float */
__device__ __forceinline__ void rope_sincos(double p, double f, float *sn, float *cs)
{
    const double theta = p * f;
    const double k = rint(theta * 0.15915494309189535);
    __sincosf((float)fma(-k, 6.283185307179586, theta), sn, cs);
}

#endif
