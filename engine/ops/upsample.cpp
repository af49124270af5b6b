// upsample_bilinear, upsample_nearest and their one backward node: PyTorch's output sizes and
// coordinate scales are worked out here, the per-pixel math lives in kernels/upsample.h.
#include "engine/ops/upsample.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "kernels/upsample.h"

namespace tessel {

using kernels::Pass;

namespace {

void run(Pass pass, const kernels::Resample& r, const Tensor& dst, const Tensor& src) {
  on_device(src.device(), [&](const auto& ctx) {
    kernels::upsample(ctx, pass, r, src.dtype(), dst.data_ptr(), src.data_ptr());
  });
}

// One axis, as PyTorch's area_pixel_compute_scale (bilinear) and compute_scales_value (nearest,
// always in f32) derive it. An unchanged size copies (and nearest doubling halves exactly) in
// PyTorch whatever the scale factor says, which these scales reproduce.
kernels::Axis axis(const char* op, const char* dim, int64_t in, const UpsampleOptions& o, int a,
                   bool nearest) {
  int64_t out = o.size ? (*o.size)[a] : int64_t(double(in) * (*o.scale_factor)[a]);
  TESSEL_CHECK(out > 0, op, ": output ", dim, " ", out, " from ",
               o.size ? "'size'" : "'scale_factor'", " is not positive (input ", dim, " ", in, ")");
  bool given = o.scale_factor && !o.recompute_scale_factor;
  double inverse = given ? 1.0 / (*o.scale_factor)[a] : 0.0, scale;
  if (nearest)
    scale = out == in
                ? 1.0
                : (out == 2 * in ? 0.5 : double(given ? float(inverse) : float(in) / float(out)));
  else if (out == in)
    scale = 1.0;
  else if (o.align_corners)
    scale = out > 1 ? double(in - 1) / double(out - 1) : 0.0;
  else
    scale = given ? inverse : double(in) / double(out);
  return {in, out, scale};
}

kernels::Resample resample_of(const char* op, const Tensor& x, const UpsampleOptions& o,
                              bool nearest) {
  TESSEL_CHECK((x.dim() == 3 || x.dim() == 4) && x.size(-1) > 0 && x.size(-2) > 0, op,
               ": 'input' must be (N, C, H, W), (C, H, W) or (N, H, W) with H, W > 0, got shape ",
               shape_str(x.sizes()));
  TESSEL_CHECK(o.size.has_value() != o.scale_factor.has_value(), op,
               ": give exactly one of 'size' and 'scale_factor'");
  if (o.scale_factor)
    for (double s : *o.scale_factor)
      TESSEL_CHECK(s > 0 && std::isfinite(s), op, ": 'scale_factor' must be positive, got (",
                   (*o.scale_factor)[0], ", ", (*o.scale_factor)[1], ")");
  TESSEL_CHECK(!(nearest && o.align_corners), op,
               ": 'align_corners' applies to bilinear only, not to nearest");
  int64_t h = x.size(-2), w = x.size(-1);
  return {x.numel() / (h * w), axis(op, "height", h, o, 0, nearest),
          axis(op, "width", w, o, 1, nearest), o.align_corners};
}

// Both backwards gather into a fresh input-shaped gradient from the geometry alone.
struct UpsampleBackward {
  kernels::Resample r;
  Pass pass;
  Shape in_shape;
  std::vector<Tensor> operator()(const Tensor& g_in, const Node&) const {
    Tensor g = g_in.contiguous();
    Tensor gi = empty(in_shape, {g.dtype(), g.device()});
    run(pass, r, gi, g);
    return {gi};
  }
};

Tensor resample(Pass pass, Pass grad, const Tensor& x_in, const kernels::Resample& r) {
  Tensor x = x_in.detach().contiguous();
  Shape shape = x.sizes();
  shape[shape.size() - 2] = r.h.out;
  shape[shape.size() - 1] = r.w.out;
  Tensor out = empty(shape, {x.dtype(), x.device()});
  run(pass, r, out, x);
  const char* op = grad == Pass::BilinearGrad ? "UpsampleBilinear" : "UpsampleNearest";
  // The scales of the source coordinate (source = (target + 0.5) * scale - 0.5, or target * scale
  // for nearest and align_corners).
  auto details = [&] {
    return trace::Details{{{"align_corners", int64_t(r.align_corners)},
                           {"coordinate_scale", std::vector<double>{r.h.scale, r.w.scale}}}};
  };
  if (Node* n = record(out, op, {x_in}, details)) n->rule = UpsampleBackward{r, grad, x.sizes()};
  return out;
}

}  // namespace

Tensor upsample_bilinear(const Tensor& x, const UpsampleOptions& o) {
  check_float("upsample_bilinear", x, "input");
  return resample(Pass::Bilinear, Pass::BilinearGrad, x,
                  resample_of("upsample_bilinear", x, o, false));
}

Tensor upsample_nearest(const Tensor& x, const UpsampleOptions& o) {
  return resample(Pass::Nearest, Pass::NearestGrad, x, resample_of("upsample_nearest", x, o, true));
}

}  // namespace tessel
