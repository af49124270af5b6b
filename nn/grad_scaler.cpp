#include "nn/grad_scaler.h"

#include <cmath>

#include "engine/ops.h"

namespace tessel::nn {

GradScaler::GradScaler(GradScalerOptions options) : options_(options), scale_(options.init_scale) {
  TESSEL_CHECK(options.init_scale > 0 && std::isfinite(options.init_scale),
               "GradScaler: init_scale must be positive and finite, got ", options.init_scale);
  TESSEL_CHECK(options.growth_factor > 1, "GradScaler: growth_factor must be > 1, got ",
               options.growth_factor);
  TESSEL_CHECK(options.backoff_factor > 0 && options.backoff_factor < 1,
               "GradScaler: backoff_factor must be in (0, 1), got ", options.backoff_factor);
  TESSEL_CHECK(options.growth_interval > 0, "GradScaler: growth_interval must be positive, got ",
               options.growth_interval);
}

Tensor GradScaler::scale(const Tensor& loss) const {
  return loss * scale_;
}

void GradScaler::unscale_(const std::vector<Tensor>& params) const {
  NoGradGuard no_grad;
  Tensor inverse;  // made once for the gradients' dtype and device (normally all the same)
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (!inverse.defined() || inverse.dtype() != g.dtype() || inverse.device() != g.device())
      inverse = scalar_tensor(1.0 / scale_, {g.dtype(), g.device()});
    mul_(g, inverse);
  }
}

void GradScaler::update(bool found_inf) {
  if (found_inf) {
    scale_ *= options_.backoff_factor;
    growth_tracker_ = 0;
  } else if (++growth_tracker_ == options_.growth_interval) {
    // Growth stops short of overflowing the scale itself (as PyTorch's update does).
    if (std::isfinite(scale_ * options_.growth_factor)) scale_ *= options_.growth_factor;
    growth_tracker_ = 0;
  }
}

void GradScaler::load(double scale, int64_t growth_tracker) {
  TESSEL_CHECK(scale > 0 && std::isfinite(scale), "GradScaler::load: scale must be positive and ",
               "finite, got ", scale);
  TESSEL_CHECK(growth_tracker >= 0 && growth_tracker < options_.growth_interval,
               "GradScaler::load: growth_tracker ", growth_tracker, " is outside [0, ",
               options_.growth_interval, ")");
  scale_ = scale;
  growth_tracker_ = growth_tracker;
}

}  // namespace tessel::nn
