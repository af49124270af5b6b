#include "kernels/edge.h"

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {

void edge_mask(const CpuContext&, DType labels_type, const void* labels, uint8_t* out, int64_t n,
               int64_t height, int64_t width, int64_t k) {
  dispatch_labels(labels_type, "edge_mask", [&](auto tag) {
    using L = typename decltype(tag)::type;
    const L* y = static_cast<const L*>(labels);
    int64_t plane = height * width;
    parallel_for(n * plane, kGrain / (k * k), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        int64_t p = i % plane;
        out[i] = is_edge(y + (i - p), height, width, p / width, p % width, k);
      }
    });
  });
}

}  // namespace tessel::kernels
