// pad: the input, made contiguous, is seen as [outer, d0, d1, d2] with the padded dims last
// (unpadded ones as size 1), so one kernel serves 1-D, 2-D and 3-D padding in every mode.
#include "engine/ops/pad.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "kernels/pad.h"

namespace tessel {
namespace {

const char* mode_name(PadMode m) {
  return m == PadMode::Constant ? "constant" : (m == PadMode::Reflect ? "reflect" : "replicate");
}

struct PadBackward {
  kernels::PadGeom geom;
  Shape in_sizes;
  std::vector<Tensor> operator()(const Tensor& g_in, const Node&) const {
    Tensor g = g_in.contiguous();
    Tensor gi = empty(in_sizes, {g.dtype(), g.device()});
    on_device(g.device(), [&](const auto& ctx) {
      kernels::pad_backward(ctx, geom, g.dtype(), gi.data_ptr(), g.data_ptr());
    });
    return {gi};
  }
};

}  // namespace

Tensor pad(const Tensor& x_in, const std::vector<int64_t>& pads, PadMode mode, double value) {
  int64_t k = int64_t(pads.size()) / 2;
  TESSEL_CHECK(pads.size() % 2 == 0 && k >= 1 && k <= 3,
               "pad: expected 2, 4 or 6 pad values (left/right for each of the last 1-3 dims), "
               "got ",
               pads.size());
  TESSEL_CHECK(k <= x_in.dim(), "pad: ", pads.size(), " pad values pad ", k,
               " dims but the input has shape ", shape_str(x_in.sizes()));
  Tensor x = x_in.contiguous();
  kernels::PadGeom g;
  g.mode = mode == PadMode::Constant  ? kernels::PadMode::Constant
           : mode == PadMode::Reflect ? kernels::PadMode::Reflect
                                      : kernels::PadMode::Replicate;
  g.outer = 1;
  for (int64_t d = 0; d < x.dim() - k; ++d) g.outer *= x.size(d);
  Shape out_sizes = x.sizes();
  for (int64_t j = 0; j < k; ++j) {  // pads[2j], pads[2j+1] pad dim (dim - 1 - j)
    int64_t d = x.dim() - 1 - j, slot = 2 - j, n = x.size(d);
    int64_t lo = pads[size_t(2 * j)], hi = pads[size_t(2 * j + 1)];
    TESSEL_CHECK(mode == PadMode::Constant || (lo >= 0 && hi >= 0), "pad: ", mode_name(mode),
                 " padding must be non-negative, got (", lo, ", ", hi, ") for dim ", d);
    TESSEL_CHECK(mode != PadMode::Reflect || (lo < n && hi < n), "pad: reflect padding (", lo, ", ",
                 hi, ") must be less than the size ", n, " of dim ", d);
    TESSEL_CHECK(mode != PadMode::Replicate || n > 0 || lo + hi == 0,
                 "pad: replicate padding of dim ", d, " which has size 0");
    TESSEL_CHECK(n + lo + hi >= 0, "pad: padding (", lo, ", ", hi, ") gives dim ", d, " of size ",
                 n, " a negative size");
    g.in[slot] = n;
    g.out[slot] = out_sizes[size_t(d)] = n + lo + hi;
    g.lo[slot] = lo;
  }
  Tensor out = empty(out_sizes, {x.dtype(), x.device()});
  on_device(x.device(), [&](const auto& ctx) {
    kernels::pad(ctx, g, x.dtype(), out.data_ptr(), x.data_ptr(), value);
  });
  auto details = [&] {
    return trace::Details{{{"pads", pads}, {"mode", int64_t(mode)}, {"value", value}}};
  };
  if (Node* n = record(out, "Pad", {x}, details)) n->rule = PadBackward{g, x.sizes()};
  return out;
}

}  // namespace tessel
