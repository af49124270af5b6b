// softmax and log_softmax, each with a dedicated backward kernel (kernels/softmax.h).
#include "engine/ops/softmax.h"

#include <algorithm>

#include "engine/autocast.h"
#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "kernels/softmax.h"

namespace tessel {

using kernels::SoftmaxKind;

namespace {

// A contiguous x as [outer, dim, inner] around `dim`.
struct Lines {
  int64_t outer = 1, dim = 1, inner = 1;
};

Lines lines_of(const char* name, const Tensor& x, int64_t dim) {
  int64_t rank = std::max<int64_t>(x.dim(), 1);
  TESSEL_CHECK(dim >= -rank && dim < rank, name, ": dim ", dim,
               " is out of range for input of shape ", shape_str(x.sizes()));
  int64_t d = dim < 0 ? dim + rank : dim;
  Lines l;
  for (int64_t k = 0; k < x.dim(); ++k) (k < d ? l.outer : k == d ? l.dim : l.inner) *= x.size(k);
  return l;
}

struct SoftmaxBackward {
  SoftmaxKind kind;
  Lines l;
  SavedTensor y;
  std::vector<Tensor> operator()(const Tensor& g_in, const Node&) const {
    Tensor yv = y.get(), g = g_in.contiguous();
    Tensor gi = empty(yv.sizes(), {yv.dtype(), yv.device()});
    on_device(yv.device(), [&](const auto& ctx) {
      kernels::softmax_backward(ctx, kind, yv.dtype(), gi.data_ptr(), g.data_ptr(), yv.data_ptr(),
                                l.outer, l.dim, l.inner);
    });
    return {gi};
  }
};

Tensor run_softmax(SoftmaxKind kind, const Tensor& x_in, int64_t dim) {
  if (autocast_widens({&x_in})) return run_softmax(kind, autocast_widen(x_in), dim);
  const char* name = kernels::softmax_name(kind);
  check_float(name, x_in, "input");
  Lines l = lines_of(name, x_in, dim);
  Tensor x = x_in.detach().contiguous();
  Tensor y = empty(x.sizes(), {x.dtype(), x.device()});
  on_device(x.device(), [&](const auto& ctx) {
    kernels::softmax(ctx, kind, x.dtype(), y.data_ptr(), x.data_ptr(), l.outer, l.dim, l.inner);
  });
  auto details = [&] { return trace::Details{{{"dim", x_in.wrap_dim(dim)}}}; };
  if (Node* n = record(y, name, {x_in}, details)) n->rule = SoftmaxBackward{kind, l, y};
  return y;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) {
  return run_softmax(SoftmaxKind::Softmax, x, dim);
}
Tensor log_softmax(const Tensor& x, int64_t dim) {
  return run_softmax(SoftmaxKind::LogSoftmax, x, dim);
}

}  // namespace tessel
