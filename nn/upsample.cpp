#include "nn/upsample.h"

#include "engine/ops.h"

namespace tessel::nn {

Upsample::Upsample(Options o) : Module("Upsample"), options(std::move(o)) {
  TESSEL_CHECK(options.size.has_value() != options.scale_factor.has_value(),
               "Upsample: give exactly one of size and scale_factor");
  TESSEL_CHECK(options.mode == "nearest" || options.mode == "bilinear", "Upsample: mode '",
               options.mode, "' is not one of 'nearest', 'bilinear'");
  TESSEL_CHECK(options.mode == "bilinear" || !options.align_corners.has_value(),
               "Upsample: align_corners can only be set with the interpolating mode 'bilinear'");
}

Tensor Upsample::forward(const Tensor& x) {
  auto scope = trace_scope();
  UpsampleOptions o;
  if (options.size) o.size = Size2(*options.size);
  if (options.scale_factor)
    o.scale_factor = Scale2{options.scale_factor->h, options.scale_factor->w};
  o.align_corners = options.align_corners.value_or(false);
  o.recompute_scale_factor = options.recompute_scale_factor;
  return options.mode == "bilinear" ? upsample_bilinear(x, o) : upsample_nearest(x, o);
}

std::string Upsample::extra_repr() const {
  std::string info = options.scale_factor ? "scale_factor=" + options.scale_factor->str()
                                          : "size=" + options.size->str();
  return info + ", mode='" + options.mode + "'";
}

}  // namespace tessel::nn
