#include "kernels/cuda/launch.cuh"
#include "kernels/reduce.h"

namespace tessel::kernels::cuda {
namespace {

// One warp per row: rows of the sizes segmentation reduces (channels, pixels of one map) are
// long enough to keep a warp busy, and the warp shuffle tree is deterministic.
template <typename T, typename A>
__global__ void reduce_rows_kernel(ReduceOp op, T* out, const T* in, int64_t outer, int64_t inner) {
  int64_t warp = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  int lane = threadIdx.x % 32;
  int64_t warps = int64_t(gridDim.x) * blockDim.x / 32;
  for (int64_t r = warp; r < outer; r += warps) {
    const T* row = in + r * inner;
    A acc = 0;
    for (int64_t i = lane; i < inner; i += 32) acc += A(acc_t<T>(row[i]));
    for (int s = 16; s > 0; s /= 2) acc += __shfl_xor_sync(0xffffffffu, acc, s);
    if (lane == 0) {
      if (op == ReduceOp::Mean) acc = inner ? A(acc / A(inner)) : A(0);
      out[r] = T(acc_t<T>(acc));
    }
  }
}

}  // namespace

void reduce_rows(ReduceOp op, DType type, void* out, const void* in, int64_t outer, int64_t inner,
                 Stream stream) {
  if (outer == 0) return;
  dispatch_types<float, Half, BFloat16, double, int32_t, int64_t>(type, "reduce", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = std::conditional_t<std::is_integral_v<T>, int64_t, std::conditional_t<std::is_same_v<T, double>, double, float>>;
    reduce_rows_kernel<T, A><<<grid_for(outer * 32), kThreads, 0, stream>>>(
        op, static_cast<T*>(out), static_cast<const T*>(in), outer, inner);
    TESSEL_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace tessel::kernels::cuda
