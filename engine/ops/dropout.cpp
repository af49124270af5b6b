// dropout and dropout2d. The mask (one bool per kept/dropped unit) is saved for backward, which
// applies it to the gradient with the same scale.
#include "engine/ops/dropout.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/random.h"
#include "engine/ops/reduce.h"
#include "kernels/dropout.h"

namespace tessel {
namespace {

// x * scale where mask[i / inner], else 0.
Tensor masked_scale(const Tensor& x_in, const Tensor& mask, int64_t inner, double scale) {
  Tensor x = x_in.contiguous();
  Tensor out = empty_like(x);
  const bool* m = mask.data<bool>();
  on_device(x.device(), [&](const auto& ctx) {
    kernels::dropout_apply(ctx, x.dtype(), x.numel(), inner, scale, x.data_ptr(), m,
                           out.data_ptr());
  });
  return out;
}

Tensor drop(const char* op, const Tensor& x, double p, bool training, Generator* gen,
            int64_t inner) {
  check_float(op, x, "input");
  TESSEL_CHECK(p >= 0 && p <= 1, op, ": probability 'p' must be in [0, 1], got ", p);
  if (!training || p == 0 || x.numel() == 0) return x;
  Generator& g = gen ? *gen : default_generator();
  int64_t units = x.numel() / inner;
  Tensor mask = empty({units}, {DType::Bool, x.device()});
  uint64_t seed = g.seed(), offset = g.advance(uint64_t(units + 3) / 4);
  on_device(x.device(), [&](const auto& ctx) {
    kernels::dropout_mask(ctx, seed, offset, p, units, mask.data<bool>());
  });
  double scale = p == 1 ? 0.0 : 1.0 / (1.0 - p);
  Tensor out = masked_scale(x.detach(), mask, inner, scale);
  if (Node* n = record(out, "Dropout", {x}))
    n->rule = [mask = SavedTensor(mask), inner, scale](const Tensor& g, const Node&) {
      return std::vector<Tensor>{masked_scale(g, mask.get(), inner, scale)};
    };
  return out;
}

}  // namespace

Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  return drop("dropout", x, p, training, gen, 1);
}

Tensor dropout2d(const Tensor& x, double p, bool training, Generator* gen) {
  check_dim("dropout2d", x, "input", 4);
  return drop("dropout2d", x, p, training, gen, x.size(2) * x.size(3));
}

}  // namespace tessel
