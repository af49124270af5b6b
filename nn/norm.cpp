#include "nn/norm.h"

#include "dist/functional.h"
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
  if (is_training() && sync_group && sync_group->size() > 1) return forward_synced(x, factor);
  // Batch statistics in training, and in eval when no running statistics are kept (the buffers
  // are then undefined).
  return batch_norm(x, running_mean, running_var, weight, bias,
                    is_training() || !track_running_stats, factor, eps);
}

// Composed of ops with gradients, the sums crossing ranks through dist::all_reduce_sum: two
// rounds (the mean, then the centred squares) keep the variance free of E[x^2] - E[x]^2's
// cancellation. 16-bit inputs get f32 statistics, as batch_norm does.
Tensor BatchNorm2d::forward_synced(const Tensor& x_in, double factor) {
  const int64_t c = x_in.size(1);
  TESSEL_CHECK(c == num_features, "SyncBatchNorm: input has ", c, " channels, expected ",
               num_features);
  const bool narrow_type = x_in.dtype() == DType::F16 || x_in.dtype() == DType::BF16;
  Tensor x = narrow_type ? x_in.to(DType::F32) : x_in;
  const Shape per_channel{1, c, 1, 1};
  const Dims reduce_dims{0, 2, 3};
  Tensor local_count = full({1}, static_cast<double>(x.numel() / c), {x.dtype(), x.device()});
  Tensor totals = dist::all_reduce_sum(cat({sum(x, reduce_dims), local_count}), sync_group);
  Tensor count = totals.narrow(0, c, 1);
  const double n = count.item();
  TESSEL_CHECK(n > 1, "SyncBatchNorm: expected more than 1 value per channel over all ranks");
  Tensor mean = div(totals.narrow(0, 0, c), count);
  Tensor centred = sub(x, mean.view(per_channel));
  Tensor var =
      div(dist::all_reduce_sum(sum(mul(centred, centred), reduce_dims), sync_group), count);
  Tensor y =
      mul(centred, rsqrt(add(var, full({1}, eps, {x.dtype(), x.device()}))).view(per_channel));
  if (affine)
    y = add(mul(y, weight.to(x.dtype()).view(per_channel)), bias.to(x.dtype()).view(per_channel));
  if (track_running_stats) {
    NoGradGuard no_grad;
    Tensor m = mean.detach().to(running_mean.dtype()), v = var.detach().to(running_var.dtype());
    running_mean.copy_(
        add(mul(running_mean, full({1}, 1 - factor, {running_mean.dtype(), x.device()})),
            mul(m, full({1}, factor, {running_mean.dtype(), x.device()}))));
    running_var.copy_(
        add(mul(running_var, full({1}, 1 - factor, {running_var.dtype(), x.device()})),
            mul(v, full({1}, factor * n / (n - 1), {running_var.dtype(), x.device()}))));
  }
  return narrow_type ? y.to(x_in.dtype()) : y;
}

int64_t convert_sync_batchnorm(Module& module, const std::shared_ptr<dist::ProcessGroup>& group) {
  int64_t converted = 0;
  for (auto& [name, m] : module.named_modules())
    if (auto* bn = dynamic_cast<BatchNorm2d*>(m.get())) {
      bn->sync_group = group;
      ++converted;
    }
  return converted;
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
