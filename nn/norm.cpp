#include "nn/norm.h"

#include "engine/ops.h"
#include "nn/args.h"
#include "nn/init.h"

namespace tessel::nn {

BatchNorm2d::BatchNorm2d(int64_t num_features, double eps, std::optional<double> momentum,
                         bool affine, bool track_running_stats)
    : Module("BatchNorm2d"),
      num_features(num_features),
      eps(eps),
      momentum(momentum),
      affine(affine),
      track_running_stats(track_running_stats) {
  TESSEL_CHECK(num_features > 0, "BatchNorm2d: num_features (", num_features, ") must be positive");
  weight = register_parameter("weight", affine ? empty({num_features}) : Tensor());
  bias = register_parameter("bias", affine ? empty({num_features}) : Tensor());
  bool t = track_running_stats;
  running_mean = register_buffer("running_mean", t ? zeros({num_features}) : Tensor());
  running_var = register_buffer("running_var", t ? ones({num_features}) : Tensor());
  num_batches_tracked =
      register_buffer("num_batches_tracked", t ? zeros({}, DType::I64) : Tensor());
  reset_parameters();
}

void BatchNorm2d::reset_running_stats() {
  if (!track_running_stats) return;
  init::zeros_(running_mean);
  init::ones_(running_var);
  init::zeros_(num_batches_tracked);
}

void BatchNorm2d::reset_parameters() {
  reset_running_stats();
  if (!affine) return;
  init::ones_(weight);
  init::zeros_(bias);
}

Tensor BatchNorm2d::forward(const Tensor& x) {
  auto scope = trace_scope();
  TESSEL_CHECK(x.dim() == 4, "BatchNorm2d: expected 4D input (got ", x.dim(), "D input, shape ",
               shape_str(x.sizes()), ")");
  double factor = momentum.value_or(0.0);
  if (is_training() && track_running_stats) {
    NoGradGuard no_grad;
    add_(num_batches_tracked, ones({}, {DType::I64, num_batches_tracked.device()}));
    if (!momentum) factor = 1.0 / num_batches_tracked.item();  // cumulative moving average
  }
  // Batch statistics in training, and in eval when no running statistics are kept (the buffers
  // are then undefined).
  return batch_norm(x, running_mean, running_var, weight, bias,
                    is_training() || !track_running_stats, factor, eps);
}

std::string BatchNorm2d::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + repr(eps) +
         ", momentum=" + (momentum ? repr(*momentum) : std::string("None")) +
         ", affine=" + repr(affine) + ", track_running_stats=" + repr(track_running_stats);
}

GroupNorm::GroupNorm(int64_t num_groups, int64_t num_channels, double eps, bool affine)
    : Module("GroupNorm"),
      num_groups(num_groups),
      num_channels(num_channels),
      eps(eps),
      affine(affine) {
  TESSEL_CHECK(num_groups > 0 && num_channels % num_groups == 0, "GroupNorm: num_channels (",
               num_channels, ") must be divisible by num_groups (", num_groups, ")");
  weight = register_parameter("weight", affine ? empty({num_channels}) : Tensor());
  bias = register_parameter("bias", affine ? empty({num_channels}) : Tensor());
  reset_parameters();
}

void GroupNorm::reset_parameters() {
  if (!affine) return;
  init::ones_(weight);
  init::zeros_(bias);
}

Tensor GroupNorm::forward(const Tensor& x) {
  auto scope = trace_scope();
  return group_norm(x, num_groups, weight, bias, eps);
}

std::string GroupNorm::extra_repr() const {
  return std::to_string(num_groups) + ", " + std::to_string(num_channels) + ", eps=" + repr(eps) +
         ", affine=" + repr(affine);
}

LayerNorm::LayerNorm(Shape normalized_shape, double eps, bool elementwise_affine, bool bias)
    : Module("LayerNorm"),
      normalized_shape(std::move(normalized_shape)),
      eps(eps),
      elementwise_affine(elementwise_affine) {
  TESSEL_CHECK(!this->normalized_shape.empty(), "LayerNorm: normalized_shape is empty");
  const Shape& s = this->normalized_shape;
  weight = register_parameter("weight", elementwise_affine ? empty(s) : Tensor());
  this->bias = register_parameter("bias", elementwise_affine && bias ? empty(s) : Tensor());
  reset_parameters();
}

void LayerNorm::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor LayerNorm::forward(const Tensor& x) {
  auto scope = trace_scope();
  return layer_norm(x, normalized_shape, weight, bias, eps);
}

std::string LayerNorm::extra_repr() const {
  // Python's tuple repr: (8,) or (4, 5).
  std::string s = "(";
  for (size_t i = 0; i < normalized_shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(normalized_shape[i]);
  s += normalized_shape.size() == 1 ? ",)" : ")";
  return s + ", eps=" + repr(eps) + ", elementwise_affine=" + repr(elementwise_affine);
}

}  // namespace tessel::nn
