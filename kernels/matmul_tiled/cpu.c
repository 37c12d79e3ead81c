/* matmul_tiled on the cpu backend: the same launcher and core as matmul (../matmul/cpu_rows.h), whose portable
 * path already works on dequantized tiles shared by every row of X. */
#include "../common/cpu_launch.h"
#include "../matmul/cpu_rows.h"

chord_status chord_matmul_tiled_cpu(void *ctx, const chord_tensor *t, const void *args)
{
    return chord_matmul_cpu_launch("matmul_tiled", ctx, t, args); /* W (n, k) of wtype, X (m, k), Y (m, n) */
}
