// Dynamic loss scaling for f16 training, after torch.amp.GradScaler. f16 gradients of small
// losses underflow to zero; multiplying the loss by a large scale before backward keeps them
// representable, and dividing the gradients by it afterwards restores their values. When a step's
// gradients overflow (Inf/NaN), the step is skipped and the scale backs off; after
// growth_interval finite steps in a row it grows again.
//
//   scaler.scale(loss).backward();
//   scaler.unscale_(params);                       // before clipping or reading gradient norms
//   bool finite = std::isfinite(nn::clip_grad_norm_(params, max_norm).item());
//   if (finite) optimizer.step();
//   scaler.update(!finite);
//
// Whether the gradients are finite is the caller's reading (a gradient norm, which training reads
// anyway for clipping), so the scaler adds no host synchronisation of its own. bf16 has f32's
// range and needs no scaler.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace tessel::nn {

struct GradScalerOptions {
  double init_scale = 65536.0;
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  int64_t growth_interval = 2000;
};

class GradScaler {
 public:
  explicit GradScaler(GradScalerOptions options = {});

  Tensor scale(const Tensor& loss) const;
  // Divides every defined gradient by the current scale, in place.
  void unscale_(const std::vector<Tensor>& params) const;
  // Backs off after an overflow; grows after growth_interval finite steps in a row.
  void update(bool found_inf);

  double scale_value() const { return scale_; }
  int64_t growth_tracker() const { return growth_tracker_; }
  // Restores a state read from a checkpoint.
  void load(double scale, int64_t growth_tracker);

 private:
  GradScalerOptions options_;
  double scale_;
  int64_t growth_tracker_ = 0;
};

}  // namespace tessel::nn
