#include "kernels/cuda/launch.cuh"
#include "kernels/dropout.h"

namespace tessel::kernels {
namespace {

struct MaskFn {
  uint64_t seed, offset;
  double p;
  bool* mask;
  __device__ void operator()(int64_t i) const { mask[i] = dropout_keep(seed, offset, p, i); }
};

template <typename T>
struct ApplyFn {
  int64_t inner;
  double scale;
  const T* in;
  const bool* mask;
  T* out;
  __device__ void operator()(int64_t i) const {
    out[i] = dropout_apply_at(in, mask, inner, scale, i);
  }
};

}  // namespace

void dropout_mask(const CudaContext& ctx, uint64_t seed, uint64_t offset, double p, int64_t n,
                  bool* mask) {
  launch_each(n, ctx, MaskFn{seed, offset, p, mask});
}

void dropout_apply(const CudaContext& ctx, DType type, int64_t numel, int64_t inner, double scale,
                   const void* in, const bool* mask, void* out) {
  dispatch_cuda_float(type, "dropout", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_each(numel, ctx,
                ApplyFn<T>{inner, scale, static_cast<const T*>(in), mask, static_cast<T*>(out)});
  });
}

}  // namespace tessel::kernels
