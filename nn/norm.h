// BatchNorm2d, GroupNorm, LayerNorm, as torch.nn: same arguments, parameter and buffer names
// (weight, bias, running_mean, running_var, num_batches_tracked), weight ones and bias zeros.
#pragma once

#include <memory>
#include <optional>

#include "dist/process_group.h"
#include "nn/module.h"

namespace tessel::nn {

// Over (N, C, H, W). Training normalises with the batch statistics and, with
// track_running_stats, updates running_mean / running_var (momentum 0.1: r = 0.9 r + 0.1 s;
// momentum nullopt: the cumulative average over num_batches_tracked batches) and counts the batch
// in num_batches_tracked (i64, shape []). Eval normalises with the running statistics, or with
// the batch's when they are not tracked.
class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5,
                       std::optional<double> momentum = 0.1, bool affine = true,
                       bool track_running_stats = true);

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_running_stats();
  void reset_parameters();  // running stats too, as PyTorch

  int64_t num_features;
  double eps;
  std::optional<double> momentum;
  bool affine, track_running_stats;
  Tensor weight, bias;                                    // [C] when affine
  Tensor running_mean, running_var, num_batches_tracked;  // when track_running_stats
  // SyncBatchNorm (set by convert_sync_batchnorm): in training, the statistics are those of the
  // global batch, every rank's together; gradients flow through them to every rank.
  std::shared_ptr<dist::ProcessGroup> sync_group;

 private:
  Tensor forward_synced(const Tensor& x, double factor);
};

// torch.nn.SyncBatchNorm.convert_sync_batchnorm: every BatchNorm2d in `module` normalises with
// the statistics of all ranks of `group`. Returns how many layers it converted.
int64_t convert_sync_batchnorm(Module& module, const std::shared_ptr<dist::ProcessGroup>& group);

// Statistics per sample over groups of num_channels / num_groups channels; weight, bias [C].
class GroupNorm : public Module {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, double eps = 1e-5, bool affine = true);

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t num_groups, num_channels;
  double eps;
  bool affine;
  Tensor weight, bias;
};

// Statistics over the trailing dims normalized_shape; weight and bias of that shape.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true,
                     bool bias = true);
  explicit LayerNorm(int64_t normalized_size, double eps = 1e-5, bool elementwise_affine = true,
                     bool bias = true)
      : LayerNorm(Shape{normalized_size}, eps, elementwise_affine, bias) {}

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();

  Shape normalized_shape;
  double eps;
  bool elementwise_affine;
  Tensor weight, bias;
};

}  // namespace tessel::nn
