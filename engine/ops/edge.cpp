// edge_mask: the edge target of the edge losses.
#include "engine/ops/edge.h"

#include "engine/dispatch.h"
#include "kernels/edge.h"

namespace tessel {

Tensor edge_mask(const Tensor& labels, int64_t k) {
  const char* op = "edge_mask";
  check_label_map(op, labels);
  check_edge_kernel(op, k);
  Tensor y = labels.contiguous();
  Tensor out = empty(y.sizes(), {DType::U8, y.device()});
  int64_t n = y.size(0), h = y.size(1), w = y.size(2);
  on_device(y.device(), [&](const auto& ctx) {
    kernels::edge_mask(ctx, y.dtype(), y.data_ptr(), out.data<uint8_t>(), n, h, w, k);
  });
  return out;
}

}  // namespace tessel
