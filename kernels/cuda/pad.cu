#include "kernels/cuda/launch.cuh"
#include "kernels/pad.h"

namespace tessel::kernels {
namespace {

template <typename T>
__global__ void pad_kernel(PadGeom g, T* out, const T* in, T value) {
  TESSEL_GRID_STRIDE(i, g.out_numel()) out[i] = g.forward_at(in, i, value);
}

// One thread per input element, summing the outputs that read it: deterministic.
template <typename T>
__global__ void pad_backward_kernel(PadGeom g, T* grad_in, const T* grad_out) {
  TESSEL_GRID_STRIDE(i, g.in_numel()) grad_in[i] = static_cast<T>(g.backward_at(grad_out, i));
}

}  // namespace

void pad(const CudaContext& ctx, const PadGeom& g, DType type, void* out, const void* in,
         double value) {
  int64_t n = g.out_numel();
  if (n == 0) return;
  dispatch_all(type, "pad", [&](auto t) {
    using T = typename decltype(t)::type;
    pad_kernel<<<grid_for(ctx, n), kThreads, 0, ctx.stream>>>(
        g, static_cast<T*>(out), static_cast<const T*>(in),
        static_cast<T>(static_cast<acc_t<T>>(value)));
    TESSEL_CUDA_LAUNCH_CHECK();
  });
}

void pad_backward(const CudaContext& ctx, const PadGeom& g, DType type, void* grad_in,
                  const void* grad_out) {
  int64_t n = g.in_numel();
  if (n == 0) return;
  dispatch_cuda_float(type, "pad_backward", [&](auto t) {
    using T = typename decltype(t)::type;
    pad_backward_kernel<<<grid_for(ctx, n), kThreads, 0, ctx.stream>>>(
        g, static_cast<T*>(grad_in), static_cast<const T*>(grad_out));
    TESSEL_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace tessel::kernels
