// Reductions over any dims: sum, mean, var, std, max, min, argmax, argmin; sum_to for broadcast
// gradients.
#include "engine/ops/reduce.h"

#include <algorithm>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/elementwise.h"
#include "kernels/reduce.h"

namespace tessel {

using kernels::ArgReduceOp;
using kernels::ReduceOp;

namespace {

// Reduced dims as a mask over x's dims; empty `dims` means all.
std::vector<bool> reduce_mask(const char* op, const Tensor& x, const Dims& dims) {
  std::vector<bool> mask(size_t(x.dim()), dims.empty());
  for (int64_t d : dims) {
    TESSEL_CHECK(d >= -x.dim() && d < x.dim(), op, ": dim ", d,
                 " is out of range for input of shape ", shape_str(x.sizes()));
    size_t w = size_t(d < 0 ? d + x.dim() : d);
    TESSEL_CHECK(!mask[w], op, ": dim ", d, " given twice");
    mask[w] = true;
  }
  return mask;
}

Shape reduced_shape(const Tensor& x, const std::vector<bool>& mask, bool keepdim) {
  Shape s;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (!mask[size_t(d)])
      s.push_back(x.size(d));
    else if (keepdim)
      s.push_back(1);
  }
  return s;
}

// How many elements reduce into each output element.
int64_t group_size(const Tensor& x, const std::vector<bool>& mask) {
  int64_t n = 1;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (mask[size_t(d)]) n *= x.size(d);
  return n;
}

// x with kept dims first and reduced dims last, contiguous: the [outer, inner] layout the
// kernels reduce.
struct Rows {
  Tensor data;
  std::vector<int64_t> perm;  // the dims of x in the order of `data`
  int64_t outer = 1, inner = 1;
};

Rows rows_for(const Tensor& x, const std::vector<bool>& mask) {
  Rows r;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!mask[size_t(d)]) r.perm.push_back(d), r.outer *= x.size(d);
  for (int64_t d = 0; d < x.dim(); ++d)
    if (mask[size_t(d)]) r.perm.push_back(d), r.inner *= x.size(d);
  r.data = x.detach().permute(r.perm).contiguous();
  return r;
}

Tensor reduce_values(ReduceOp op, const Tensor& x, const std::vector<bool>& mask, bool keepdim,
                     double correction = 0) {
  Rows r = rows_for(x, mask);
  Tensor out = empty(reduced_shape(x, mask, keepdim), {x.dtype(), x.device()});
  on_device(x.device(), [&](const auto& ctx) {
    kernels::reduce_rows(ctx, op, x.dtype(), out.data_ptr(), r.data.data_ptr(), r.outer, r.inner,
                         correction);
  });
  return out;
}

Tensor sum_or_mean(ReduceOp op, const char* name, const Tensor& x_in, const Dims& dims,
                   bool keepdim) {
  Tensor x = x_in.dtype() == DType::Bool || x_in.dtype() == DType::U8 ? x_in.to(DType::I64) : x_in;
  auto mask = reduce_mask(name, x, dims);
  Tensor out = reduce_values(op, x, mask, keepdim);
  auto rule = [](const Tensor& g, const FunctionNode& n) {
    // Put the reduced dims back as size 1, then broadcast over them.
    Tensor gk = g.reshape(n.shape_b).expand(n.shape_a);
    return std::vector<Tensor>{n.scalar != 1.0 ? gk * n.scalar : gk};
  };
  if (auto* n = record_fn(out, {x}, name, rule)) {
    n->shape_a = x.sizes();
    n->shape_b = reduced_shape(x, mask, true);
    n->scalar =
        op == ReduceOp::Mean ? 1.0 / double(std::max<int64_t>(group_size(x, mask), 1)) : 1.0;
  }
  return out;
}

// (x - mean(x)) / dof over the reduced dims: those of size 1 in shape_b (a dim of x that is
// already of size 1 may be counted in or out, the mean over it is itself).
Tensor centered_over_dof(const FunctionNode& n) {
  Tensor x = n.get(0);
  Dims dims;
  for (size_t d = 0; d < n.shape_b.size(); ++d)
    if (n.shape_b[d] == 1) dims.push_back(int64_t(d));
  return (x - mean(x, dims, true)) / n.scalar;
}

Tensor spread(ReduceOp op, const char* name, const Tensor& x, const Dims& dims, bool keepdim,
              double correction) {
  check_float(name, x, "input");
  TESSEL_CHECK(correction >= 0, name, ": correction ", correction, " is negative");
  auto mask = reduce_mask(name, x, dims);
  Tensor out = reduce_values(op, x, mask, keepdim, correction);
  auto var_rule = [](const Tensor& g, const FunctionNode& n) {
    return std::vector<Tensor>{centered_over_dof(n) * g.reshape(n.shape_b) * 2.0};
  };
  auto std_rule = [](const Tensor& g, const FunctionNode& n) {
    // d std = d var / (2 std); where std is 0, every deviation is 0 too and PyTorch gives 0.
    Tensor y = n.get(1).reshape(n.shape_b), zero = zeros({}, {y.dtype(), y.device()});
    return std::vector<Tensor>{centered_over_dof(n) *
                               where(eq(y, zero), zero, g.reshape(n.shape_b) / y)};
  };
  bool is_std = op == ReduceOp::Std;
  FunctionNode::Fn rule = is_std ? FunctionNode::Fn(std_rule) : FunctionNode::Fn(var_rule);
  if (auto* n = record_fn(out, {x}, name, rule,
                          is_std ? std::vector<Tensor>{x, out} : std::vector<Tensor>{x})) {
    n->shape_b = reduced_shape(x, mask, true);
    n->scalar = std::max(0.0, double(group_size(x, mask)) - correction);
  }
  return out;
}

// Index of each row's first extremum (and, with `values`, the extremum) for x reduced as `r`.
Tensor arg_rows(ArgReduceOp op, const char* name, const Tensor& x, const Rows& r,
                const Shape& shape, void* values) {
  TESSEL_CHECK(r.inner > 0, name, ": cannot reduce over an empty dim of input of shape ",
               shape_str(x.sizes()));
  Tensor index = empty(shape, {DType::I64, x.device()});
  auto* idx = static_cast<int64_t*>(index.data_ptr());
  on_device(x.device(), [&](const auto& ctx) {
    kernels::arg_reduce_rows(ctx, op, x.dtype(), values, idx, r.data.data_ptr(), r.outer, r.inner);
  });
  return index;
}

// All of a row's gradient to its extremum: rows of zeros with g at the saved index, laid out as
// the permuted input, then permuted back.
struct ExtremumBackward : Node {
  const char* op_name;
  Tensor index;  // [outer]
  Shape rows_shape;
  std::vector<int64_t> perm;
  int64_t inner = 1;
  std::vector<Tensor> apply(const Tensor& g) override {
    int64_t outer = index.numel();
    Tensor hit =
        eq(arange(0, double(inner), 1, {DType::I64, g.device()}), index.reshape({outer, 1}));
    Tensor rows = where(hit, g.reshape({outer, 1}), zeros({}, {g.dtype(), g.device()}));
    std::vector<int64_t> back(perm.size());
    for (size_t k = 0; k < perm.size(); ++k) back[size_t(perm[k])] = int64_t(k);
    return {rows.reshape(rows_shape).permute(back)};
  }
  std::string name() const override { return std::string(op_name) + "Backward"; }
  void release() override { index = Tensor(); }
};

Tensor extremum(ArgReduceOp op, const char* name, const Tensor& x, const Dims& dims, bool keepdim) {
  auto mask = reduce_mask(name, x, dims);
  Rows r = rows_for(x, mask);
  Tensor out = empty(reduced_shape(x, mask, keepdim), {x.dtype(), x.device()});
  Tensor index = arg_rows(op, name, x, r, {r.outer}, out.data_ptr());
  if (auto n = record<ExtremumBackward>(out, {x})) {
    n->op_name = name;
    n->index = index;
    n->rows_shape = r.data.sizes();
    n->perm = r.perm;
    n->inner = r.inner;
  }
  return out;
}

Tensor arg_extremum(ArgReduceOp op, const char* name, const Tensor& x, std::optional<int64_t> dim,
                    bool keepdim) {
  auto mask = reduce_mask(name, x, dim ? Dims{*dim} : Dims{});
  return arg_rows(op, name, x, rows_for(x, mask), reduced_shape(x, mask, keepdim), nullptr);
}

}  // namespace

Tensor sum(const Tensor& x, const Dims& dims, bool keepdim) {
  return sum_or_mean(ReduceOp::Sum, "sum", x, dims, keepdim);
}
Tensor mean(const Tensor& x, const Dims& dims, bool keepdim) {
  check_float("mean", x, "input");
  return sum_or_mean(ReduceOp::Mean, "mean", x, dims, keepdim);
}
Tensor reduce_loss(const Tensor& loss, Reduction r) {
  return r == Reduction::Mean ? mean(loss) : r == Reduction::Sum ? sum(loss) : loss;
}
Tensor var(const Tensor& x, const Dims& dims, bool keepdim, double correction) {
  return spread(ReduceOp::Var, "var", x, dims, keepdim, correction);
}
Tensor std(const Tensor& x, const Dims& dims, bool keepdim, double correction) {
  return spread(ReduceOp::Std, "std", x, dims, keepdim, correction);
}
Tensor max(const Tensor& x, const Dims& dims, bool keepdim) {
  return extremum(ArgReduceOp::Max, "max", x, dims, keepdim);
}
Tensor min(const Tensor& x, const Dims& dims, bool keepdim) {
  return extremum(ArgReduceOp::Min, "min", x, dims, keepdim);
}
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_extremum(ArgReduceOp::Max, "argmax", x, dim, keepdim);
}
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return arg_extremum(ArgReduceOp::Min, "argmin", x, dim, keepdim);
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
