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
// kernels reduce. With `interleaved`, a contiguous x whose kept dims sit between reduced ones
// ([lead, kept, trail]: a bias gradient over N, H and W) is used where it lies instead, when its
// trailing runs are at least 32 elements long.
struct Rows {
  Tensor data;
  std::vector<int64_t> perm;  // the dims of x in the order of `data`
  kernels::RowLayout layout{1, 1, 1};
};

Rows rows_for(const Tensor& x, const std::vector<bool>& mask, bool interleaved = false) {
  Rows r;
  int64_t& outer = r.layout.outer;
  int64_t& inner = r.layout.inner;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!mask[size_t(d)]) r.perm.push_back(d), outer *= x.size(d);
  for (int64_t d = 0; d < x.dim(); ++d)
    if (mask[size_t(d)]) r.perm.push_back(d), inner *= x.size(d);
  r.layout.trail = inner;
  // [reduced..., kept..., reduced...], each run non-empty.
  auto first_kept = std::find(mask.begin(), mask.end(), false);
  auto after_kept = std::find(first_kept, mask.end(), true);
  bool middle = first_kept != mask.begin() && first_kept != mask.end() &&
                after_kept != mask.end() && std::find(after_kept, mask.end(), false) == mask.end();
  if (interleaved && middle && x.is_contiguous() && inner > 0) {
    int64_t trail = 1;
    for (int64_t d = after_kept - mask.begin(); d < x.dim(); ++d) trail *= x.size(d);
    // Runs shorter than a warp would leave the GPU's reads scattered: copy those instead.
    if (trail >= 32) {
      r.layout.trail = trail;
      r.data = x.detach();
      return r;
    }
  }
  r.data = x.detach().permute(r.perm).contiguous();
  return r;
}

Tensor reduce_values(ReduceOp op, const Tensor& x, const std::vector<bool>& mask, bool keepdim,
                     double correction = 0) {
  Rows r = rows_for(x, mask, true);
  Tensor out = empty(reduced_shape(x, mask, keepdim), {x.dtype(), x.device()});
  on_device(x.device(), [&](const auto& ctx) {
    kernels::reduce_rows(ctx, op, x.dtype(), out.data_ptr(), r.data.data_ptr(), r.layout,
                         correction);
  });
  return out;
}

// For the tracer: the reduced dims and keepdim.
trace::Details reduce_details(const std::vector<bool>& mask, bool keepdim) {
  std::vector<int64_t> reduced;
  for (size_t d = 0; d < mask.size(); ++d)
    if (mask[d]) reduced.push_back(int64_t(d));
  return {{{"dims", reduced}, {"keepdim", int64_t(keepdim)}}};
}

Tensor sum_or_mean(ReduceOp op, const char* name, const Tensor& x_in, const Dims& dims,
                   bool keepdim) {
  Tensor x = x_in.dtype() == DType::Bool || x_in.dtype() == DType::U8 ? x_in.to(DType::I64) : x_in;
  auto mask = reduce_mask(name, x, dims);
  Tensor out = reduce_values(op, x, mask, keepdim);
  auto details = [&] { return reduce_details(mask, keepdim); };
  if (Node* n = record(out, name, {x}, details)) {
    double scale =
        op == ReduceOp::Mean ? 1.0 / double(std::max<int64_t>(group_size(x, mask), 1)) : 1.0;
    n->rule = [in = x.sizes(), kept = reduced_shape(x, mask, true), scale](const Tensor& g,
                                                                           const Node&) {
      // Put the reduced dims back as size 1, then broadcast over them.
      Tensor gk = g.reshape(kept).expand(in);
      return std::vector<Tensor>{scale != 1.0 ? gk * scale : gk};
    };
  }
  return out;
}

// The backward of var and std: `kept` is x's shape with the reduced dims as size 1, `dof` the
// divisor, and `y` (std only) the output.
struct SpreadBackward {
  SavedTensor x, y;
  Shape kept;
  double dof;
  std::vector<Tensor> operator()(const Tensor& g, const Node&) const {
    // (x - mean(x)) / dof over the reduced dims: those of size 1 in `kept` (a dim of x that is
    // already of size 1 may be counted in or out, the mean over it is itself).
    Tensor xv = x.get();
    Dims dims;
    for (size_t d = 0; d < kept.size(); ++d)
      if (kept[d] == 1) dims.push_back(int64_t(d));
    Tensor centered = (xv - mean(xv, dims, true)) / dof;
    if (!y.defined()) return {centered * g.reshape(kept) * 2.0};
    // d std = d var / (2 std); where std is 0, every deviation is 0 too and PyTorch gives 0.
    Tensor yv = y.get().reshape(kept), zero = zeros({}, {yv.dtype(), yv.device()});
    return {centered * where(eq(yv, zero), zero, g.reshape(kept) / yv)};
  }
};

Tensor spread(ReduceOp op, const char* name, const Tensor& x, const Dims& dims, bool keepdim,
              double correction) {
  check_float(name, x, "input");
  TESSEL_CHECK(correction >= 0, name, ": correction ", correction, " is negative");
  auto mask = reduce_mask(name, x, dims);
  Tensor out = reduce_values(op, x, mask, keepdim, correction);
  if (Node* n = record(out, name, {x}))
    n->rule = SpreadBackward{x, op == ReduceOp::Std ? out : Tensor(), reduced_shape(x, mask, true),
                             std::max(0.0, double(group_size(x, mask)) - correction)};
  return out;
}

// Index of each row's first extremum (and, with `values`, the extremum) for x reduced as `r`.
Tensor arg_rows(ArgReduceOp op, const char* name, const Tensor& x, const Rows& r,
                const Shape& shape, void* values) {
  TESSEL_CHECK(r.layout.inner > 0, name, ": cannot reduce over an empty dim of input of shape ",
               shape_str(x.sizes()));
  Tensor index = empty(shape, {DType::I64, x.device()});
  auto* idx = static_cast<int64_t*>(index.data_ptr());
  on_device(x.device(), [&](const auto& ctx) {
    kernels::arg_reduce_rows(ctx, op, x.dtype(), values, idx, r.data.data_ptr(), r.layout.outer,
                             r.layout.inner);
  });
  return index;
}

// All of a row's gradient to its extremum: rows of zeros with g at the saved index, laid out as
// the permuted input, then permuted back.
struct ExtremumBackward {
  SavedTensor saved_index;  // [outer]
  Shape rows_shape;
  std::vector<int64_t> perm;
  int64_t inner = 1;
  std::vector<Tensor> operator()(const Tensor& g, const Node&) const {
    Tensor index = saved_index.get();
    int64_t outer = index.numel();
    Tensor hit =
        eq(arange(0, double(inner), 1, {DType::I64, g.device()}), index.reshape({outer, 1}));
    Tensor rows = where(hit, g.reshape({outer, 1}), zeros({}, {g.dtype(), g.device()}));
    std::vector<int64_t> back(perm.size());
    for (size_t k = 0; k < perm.size(); ++k) back[size_t(perm[k])] = int64_t(k);
    return {rows.reshape(rows_shape).permute(back)};
  }
};

Tensor extremum(ArgReduceOp op, const char* name, const Tensor& x, const Dims& dims, bool keepdim) {
  auto mask = reduce_mask(name, x, dims);
  Rows r = rows_for(x, mask);
  Tensor out = empty(reduced_shape(x, mask, keepdim), {x.dtype(), x.device()});
  Tensor index = arg_rows(op, name, x, r, {r.layout.outer}, out.data_ptr());
  auto details = [&] { return reduce_details(mask, keepdim); };
  if (Node* n = record(out, name, {x}, details))
    n->rule = ExtremumBackward{index, r.data.sizes(), r.perm, r.layout.inner};
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

Node::Rule summed_to_inputs(const Tensor& a, const Tensor& b, BinaryRule rule) {
  return
      [rule = std::move(rule), sa = a.sizes(), sb = b.sizes()](const Tensor& g, const Node& self) {
        auto [ga, gb] = rule(g, self);
        return std::vector<Tensor>{self.needs_grad(0) && ga.defined() ? sum_to(ga, sa) : Tensor(),
                                   self.needs_grad(1) && gb.defined() ? sum_to(gb, sb) : Tensor()};
      };
}

}  // namespace tessel
