// index_select and gather share one kernel pair: index_select is a gather whose index is the
// 1-D index broadcast over the output's shape (stride 0 outside `dim`).
#include "engine/ops/index.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/iter.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"

#include "kernels/index.h"

namespace tessel {
namespace {

// `t` with its stride along `dim` replaced and its sizes those of `shape`: the column and
// base-pointer views the kernels' plans walk (see kernels/index.h).
Tensor restride(const Tensor& t, const Shape& shape, int64_t dim, int64_t dim_stride) {
  Shape st = t.strides();
  st[size_t(dim)] = dim_stride;
  return Tensor(t.storage(), shape, st, t.offset(), t.dtype());
}

DType acc_dtype(DType t) {
  return t == DType::F16 || t == DType::BF16 ? DType::F32 : t;
}

struct GatherBackward {
  SavedTensor index;  // laid out over the output's shape
  Shape src_sizes;
  DType dtype;
  int64_t dim = 0;
  std::vector<Tensor> operator()(const Tensor& g, const Node&) const {
    Tensor ix = index.get();
    Tensor gs = zeros(src_sizes, {acc_dtype(dtype), g.device()});
    Shape cols = g.sizes();
    cols[size_t(dim)] = 1;
    Tensor gc = restride(g, cols, dim, 0), ic = restride(ix, cols, dim, 0);
    Tensor sc = restride(gs, cols, dim, 0);
    auto p = make_plan<3>(cols, {&gc, &ic, &sc}, "gather backward");
    kernels::IndexDim d{gs.stride(dim), g.size(dim), g.stride(dim), ix.stride(dim)};
    on_device(g.device(), [&](const auto& ctx) {
      kernels::index_scatter_add(ctx, p, d, g.dtype(), g.data_ptr(), ix.dtype(), ix.data_ptr(),
                                 gs.data_ptr());
    });
    return {gs.to(dtype)};
  }
};

// A permutation's backward: every source element receives exactly one gradient element, so one
// thread per element writes it, with no per-column walk and no zero fill.
struct PermutationBackward {
  SavedTensor index;
  DType dtype;
  int64_t dim = 0;
  std::vector<Tensor> operator()(const Tensor& g, const Node&) const {
    Tensor ix = index.get();
    Tensor gs = empty(g.sizes(), {dtype, g.device()});
    Tensor base = restride(gs, g.sizes(), dim, 0);
    auto p = make_plan<3>(g.sizes(), {&g, &ix, &base}, "gather_permutation backward");
    kernels::IndexDim d{gs.stride(dim)};
    on_device(g.device(), [&](const auto& ctx) {
      kernels::index_scatter(ctx, p, d, g.dtype(), g.data_ptr(), ix.dtype(), ix.data_ptr(),
                             gs.data_ptr());
    });
    return {gs};
  }
};

void check_index(const char* op, const Tensor& x, int64_t dim, const Tensor& index) {
  TESSEL_CHECK(index.dtype() == DType::I64 || index.dtype() == DType::I32, op,
               ": 'index' must be i64 or i32, got ", index.dtype());
  check_same_device(op, x, "self", index, "index");
  if (index.is_cuda()) return;  // not range-checked on the device (see shape.h)
  int64_t n = x.size(dim);
  for (int64_t v : index.to_vector<int64_t>())
    TESSEL_CHECK(v >= 0 && v < n, op, ": index ", v, " is out of range for dim ", dim, " of size ",
                 n, " (shape ", shape_str(x.sizes()), ")");
}

// out = x gathered along dim by `index`, which has the output's shape.
Tensor gather_along(const char* op, const Tensor& x, int64_t dim, const Tensor& index,
                    bool permutation = false) {
  Tensor out = empty(index.sizes(), {x.dtype(), x.device()});
  Tensor base = restride(x, index.sizes(), dim, 0);
  auto p = make_plan<3>(out.sizes(), {&out, &index, &base}, op);
  kernels::IndexDim d{x.stride(dim)};
  on_device(x.device(), [&](const auto& ctx) {
    kernels::index_gather(ctx, p, d, x.dtype(), out.data_ptr(), index.dtype(), index.data_ptr(),
                          x.data_ptr());
  });
  if (Node* n = record(out, "Gather", {x})) {
    if (permutation)
      n->rule = PermutationBackward{index, x.dtype(), dim};
    else
      n->rule = GatherBackward{index, x.sizes(), x.dtype(), dim};
  }
  return out;
}

}  // namespace

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  int64_t d = x.wrap_dim(dim);
  TESSEL_CHECK(index.dim() <= 1, "index_select: 'index' must be 1-D, got shape ",
               shape_str(index.sizes()));
  check_index("index_select", x, d, index);
  Tensor ix = index.reshape({-1});
  Shape shape = x.sizes();
  shape[size_t(d)] = ix.numel();
  Shape st(shape.size(), 0);
  st[size_t(d)] = ix.stride(0);
  return gather_along("index_select", x, d,
                      Tensor(ix.storage(), shape, st, ix.offset(), ix.dtype()));
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  int64_t d = x.wrap_dim(dim);
  TESSEL_CHECK(index.dim() == x.dim(), "gather: 'index' has shape ", shape_str(index.sizes()),
               " but must have as many dims as 'self' ", shape_str(x.sizes()));
  for (int64_t k = 0; k < x.dim(); ++k)
    TESSEL_CHECK(k == d || index.size(k) <= x.size(k), "gather: 'index' of shape ",
                 shape_str(index.sizes()), " is larger than 'self' of shape ", shape_str(x.sizes()),
                 " in dim ", k);
  check_index("gather", x, d, index);
  return gather_along("gather", x, d, index);
}

Tensor gather_permutation(const Tensor& x, int64_t dim, const Tensor& index) {
  int64_t d = x.wrap_dim(dim);
  TESSEL_CHECK(index.sizes() == x.sizes(), "gather_permutation: 'index' has shape ",
               shape_str(index.sizes()), " but must have the shape of 'self' ",
               shape_str(x.sizes()));
  check_index("gather_permutation", x, d, index);
  return gather_along("gather_permutation", x, d, index, true);
}

}  // namespace tessel
