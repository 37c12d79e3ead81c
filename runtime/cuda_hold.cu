/* The CUDA timer's guard. cudaEventRecord on an idle stream timestamps at once, so a timer started before
 * the host has enqueued the launch would count the host's enqueue time (registry checks, dispatch,
 * cudaLaunchKernel: ~2-3 us on the H100 machine) as device time, a large error on a ~30 us kernel. A single
 * thread that spins for a fixed time in front of the start event keeps the stream busy until the timed
 * launch is queued behind it, so the events bracket device work only (what OpenCL's profiling events and
 * Vulkan's in-buffer timestamps measure already). */
#include "../kernels/common/cuda_common.cuh"

__global__ void chord_cuda_hold_kernel(unsigned long long ns)
{
    unsigned long long t0, t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
    do {
        __nanosleep(1000);
        asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    } while (t - t0 < ns);
}

extern "C" chord_status chord_cuda_hold(cudaStream_t stream, unsigned us)
{
    chord_cuda_hold_kernel<<<1, 1, 0, stream>>>(1000ull * us);
    CHORD_CUDA_CHECK_LAUNCH("chord_cuda_hold_kernel");
    return CHORD_OK;
}
