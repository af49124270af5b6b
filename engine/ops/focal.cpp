// focal_loss, written with elementwise ops over binary_cross_entropy_with_logits.
#include "engine/ops/focal.h"

#include "engine/autocast.h"
#include "engine/ops/bce.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"

namespace tessel {

Tensor focal_loss(const Tensor& logits, const Tensor& target, const FocalOptions& options) {
  if (autocast_widens({&logits})) return focal_loss(autocast_widen(logits), target, options);
  TESSEL_CHECK(options.gamma >= 0, "focal_loss: 'gamma' must be >= 0, got ", options.gamma);
  // Checks the target against the logits, as the focal loss needs it too.
  Tensor bce = binary_cross_entropy_with_logits(logits, target, {.reduction = Reduction::None});
  Tensor t = is_floating(target.dtype()) ? target : target.to(logits.dtype());
  Tensor p = sigmoid(logits);
  Tensor p_t = p * t + (1.0 - p) * (1.0 - t);
  Tensor loss = bce * pow(1.0 - p_t, options.gamma);
  if (options.alpha >= 0) loss = (options.alpha * t + (1 - options.alpha) * (1.0 - t)) * loss;
  return reduce_loss(loss, options.reduction);
}

}  // namespace tessel
