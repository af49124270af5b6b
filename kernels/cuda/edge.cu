#include "kernels/cuda/launch.cuh"
#include "kernels/edge.h"

namespace tessel::kernels {
namespace {

// A thread per pixel; the window's reads of neighbouring threads overlap and hit the cache.
template <typename L>
struct EdgeFn {
  const L* y;
  uint8_t* out;
  int64_t height, width, k;
  __device__ void operator()(int64_t i) const {
    int64_t plane = height * width, p = i % plane;
    out[i] = is_edge(y + (i - p), height, width, p / width, p % width, k);
  }
};

}  // namespace

void edge_mask(const CudaContext& ctx, DType labels_type, const void* labels, uint8_t* out,
               int64_t n, int64_t height, int64_t width, int64_t k) {
  dispatch_labels(labels_type, "edge_mask", [&](auto tag) {
    using L = typename decltype(tag)::type;
    launch_each(n * height * width, ctx,
                EdgeFn<L>{static_cast<const L*>(labels), out, height, width, k});
  });
}

}  // namespace tessel::kernels
