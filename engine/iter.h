// Building the strided plans the elementwise kernels take: broadcasting shapes, and per-operand
// strides over a common iteration shape, with dimensions coalesced where every operand allows.
#pragma once

#include <array>

#include "engine/tensor.h"
#include "kernels/common/strided.h"

namespace tessel {

// PyTorch's broadcasting rule; `op` names the op in the error.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// Strides of `t` viewed as broadcast to `shape` (0 where t has size 1 or lacks the dim).
Shape broadcast_strides(const Tensor& t, const Shape& shape, const char* op);

template <int N>
kernels::StridedPlan<N> make_plan(const Shape& shape, const std::array<const Tensor*, N>& operands,
                                  const char* op) {
  kernels::StridedPlan<N> p;
  std::array<Shape, N> st;
  for (int k = 0; k < N; ++k) st[k] = broadcast_strides(*operands[k], shape, op);
  // Drop size-1 dims, then merge dim d into d-1 when every operand is contiguous across them.
  Shape sizes;
  std::array<Shape, N> strides;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = !sizes.empty();
    for (int k = 0; k < N && merge; ++k) merge = strides[k].back() == st[k][d] * shape[d];
    if (merge) {
      sizes.back() *= shape[d];
      for (int k = 0; k < N; ++k) strides[k].back() = st[k][d];
    } else {
      sizes.push_back(shape[d]);
      for (int k = 0; k < N; ++k) strides[k].push_back(st[k][d]);
    }
  }
  TESSEL_CHECK(sizes.size() <= size_t(kernels::kMaxDims), op, ": more than ", kernels::kMaxDims,
               " non-mergeable dimensions (shape ", shape_str(shape), ")");
  p.ndim = int(sizes.size());
  p.numel = shape_numel(shape);
  for (int d = 0; d < p.ndim; ++d) {
    p.sizes[d] = sizes[size_t(d)];
    for (int k = 0; k < N; ++k) p.strides[k][d] = strides[k][size_t(d)];
  }
  return p;
}

}  // namespace tessel
