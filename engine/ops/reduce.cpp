// sum and mean over any dims; sum_to for broadcast gradients.
#include <algorithm>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops.h"
#include "kernels/reduce.h"

namespace tessel {
namespace {

// Reduced dims as a sorted, wrapped, de-duplicated mask; empty `dims` means all.
std::vector<bool> reduce_mask(const Tensor& x, const Dims& dims) {
  std::vector<bool> mask(size_t(x.dim()), dims.empty());
  for (int64_t d : dims) {
    int64_t w = x.wrap_dim(d);
    TESSEL_CHECK(!mask[size_t(w)], "reduce: dim ", d, " given twice");
    mask[size_t(w)] = true;
  }
  return mask;
}

Shape reduced_shape(const Tensor& x, const std::vector<bool>& mask, bool keepdim) {
  Shape s;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (!mask[size_t(d)]) s.push_back(x.size(d));
    else if (keepdim) s.push_back(1);
  }
  return s;
}

// Kept dims first, reduced dims last, contiguous: the [outer, inner] layout of reduce_rows.
Tensor rows_for(const Tensor& x, const std::vector<bool>& mask, int64_t& outer, int64_t& inner) {
  std::vector<int64_t> perm;
  outer = inner = 1;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!mask[size_t(d)]) perm.push_back(d), outer *= x.size(d);
  for (int64_t d = 0; d < x.dim(); ++d)
    if (mask[size_t(d)]) perm.push_back(d), inner *= x.size(d);
  return x.detach().permute(perm).contiguous();
}

Tensor reduce(kernels::ReduceOp op, const char* name, const Tensor& x_in, const Dims& dims, bool keepdim) {
  Tensor x = x_in.dtype() == DType::Bool || x_in.dtype() == DType::U8 ? x_in.to(DType::I64) : x_in;
  auto mask = reduce_mask(x, dims);
  int64_t outer, inner;
  Tensor rows = rows_for(x, mask, outer, inner);
  Tensor out = empty(reduced_shape(x, mask, keepdim), {x.dtype(), x.device()});
  on_device(
      x.device(),
      [&] { kernels::cpu::reduce_rows(op, x.dtype(), out.data_ptr(), rows.data_ptr(), outer, inner); },
      [&](auto s) { kernels::cuda::reduce_rows(op, x.dtype(), out.data_ptr(), rows.data_ptr(), outer, inner, s); });
  auto rule = [](const Tensor& g, const FunctionNode& n) {
    // Put the reduced dims back as size 1, then broadcast over them.
    Tensor gk = g.reshape(n.shape_b).expand(n.shape_a);
    return std::vector<Tensor>{n.scalar != 1.0 ? gk * n.scalar : gk};
  };
  if (auto* n = record_fn(out, {x}, name, rule)) {
    n->shape_a = x.sizes();
    n->shape_b = reduced_shape(x, mask, true);
    n->scalar = op == kernels::ReduceOp::Mean ? 1.0 / double(std::max<int64_t>(inner, 1)) : 1.0;
  }
  return out;
}

}  // namespace

Tensor sum(const Tensor& x, const Dims& dims, bool keepdim) {
  return reduce(kernels::ReduceOp::Sum, "Sum", x, dims, keepdim);
}
Tensor mean(const Tensor& x, const Dims& dims, bool keepdim) {
  check_float("mean", x, "input");
  return reduce(kernels::ReduceOp::Mean, "Mean", x, dims, keepdim);
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.sizes() == shape) return x;
  TESSEL_CHECK(size_t(x.dim()) >= shape.size(), "sum_to: cannot reduce ", shape_str(x.sizes()),
               " to ", shape_str(shape));
  size_t lead = size_t(x.dim()) - shape.size();
  Dims dims;
  for (size_t d = 0; d < size_t(x.dim()); ++d)
    if (d < lead || (shape[d - lead] == 1 && x.sizes()[d] != 1)) dims.push_back(int64_t(d));
  if (dims.empty()) return x.reshape(shape);
  return sum(x, dims, true).reshape(shape);
}

}  // namespace tessel
