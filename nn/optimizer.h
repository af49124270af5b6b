// Optimizers over parameter groups, after torch.optim.
//
// A group is a list of parameters with its own hyperparameters (lr, weight decay, momentum,
// betas ...). Groups are built from GroupSpecs: each spec overrides the optimizer's defaults where
// it says so, and scales its lr by lr_scale (a higher lr for the head, as mmseg's lr_mult). Every
// hyperparameter stays editable per group afterwards through param_groups(); the LR schedulers
// write group lr (and OneCycle the momentum) there.
//
// step() updates, under no-grad, every parameter that has a gradient. On CUDA one fused kernel
// launch updates all the parameters of a group that share a dtype and a step count (normally the
// whole group); the CPU runs the same element math in a loop. State (momentum buffers, Adam
// moments) is kept per parameter, indexed as PyTorch does (order of first appearance across
// groups), in the parameter's dtype, except for f16/bf16 parameters whose state and update math
// are f32 (PyTorch keeps their state in 16 bits).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/ops/optim.h"
#include "engine/tensor.h"
#include "nn/module.h"

namespace tessel::nn {

// (dotted name, tensor) pairs: what Module::named_parameters().items() and state dicts hold.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Every hyperparameter an update reads; each optimizer documents the fields it uses.
struct GroupOptions {
  double lr = 1e-3;
  double weight_decay = 0;
  double momentum = 0;  // SGD (and what OneCycle cycles for SGD)
  double dampening = 0;
  bool nesterov = false;
  double beta1 = 0.9;  // Adam family (OneCycle cycles beta1 for these)
  double beta2 = 0.999;
  double eps = 1e-8;
  bool amsgrad = false;
  double partial = 0.5;  // Padam's exponent p on v_hat
};

// How one group is asked for: the parameters, and what differs from the optimizer's defaults.
// A single group is {{params}}.
struct GroupSpec {
  GroupSpec(std::vector<Tensor> params, std::optional<double> lr = std::nullopt,  // NOLINT
            std::optional<double> weight_decay = std::nullopt, double lr_scale = 1)
      : params(std::move(params)), lr(lr), weight_decay(weight_decay), lr_scale(lr_scale) {}
  std::vector<Tensor> params;
  std::optional<double> lr;
  std::optional<double> weight_decay;
  double lr_scale;  // multiplies lr (given or default)
};

struct ParamGroup {
  std::vector<Tensor> params;
  GroupOptions options;
  // The lr a schedule starts from: set by the first scheduler attached (PyTorch's initial_lr).
  std::optional<double> initial_lr;
};

// Per-parameter state: how many updates it has had, and its buffers by PyTorch's names
// ("momentum_buffer"; "exp_avg", "exp_avg_sq", "max_exp_avg_sq").
struct ParamState {
  int64_t step = 0;
  std::map<std::string, Tensor> buffers;
};

// PyTorch's optimizer state_dict(): groups' hyperparameters with their parameter indices, and the
// state of each parameter that has any, by index. Tensors are copies.
struct OptimizerState {
  struct Group {
    GroupOptions options;
    std::optional<double> initial_lr;
    std::vector<int64_t> params;
  };
  std::vector<Group> groups;
  std::map<int64_t, ParamState> state;
};

class Optimizer {
 public:
  Optimizer(std::vector<GroupSpec> groups, GroupOptions defaults);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  void step();
  // set_to_none (PyTorch's default) drops the .grad tensors; otherwise zeroes them in place.
  void zero_grad(bool set_to_none = true);
  void add_param_group(GroupSpec spec);

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  const GroupOptions& defaults() const { return defaults_; }
  // The state of the i-th parameter (PyTorch's index), empty before its first update.
  const ParamState& state(int64_t index) const;

  OptimizerState state_dict() const;
  // Takes groups' hyperparameters and per-parameter state; the dict must have this optimizer's
  // group sizes and parameter shapes. State is copied to each parameter's device.
  void load_state_dict(const OptimizerState& dict);

 protected:
  // One launch: parameters of one group with one dtype, one device and one step count (already
  // incremented). `tensors` point at parameters, gradients and state.
  struct Batch {
    const ParamGroup* group;
    DType dtype;
    Device device;
    int64_t step;
    std::vector<Tensor> params, grads;
    std::vector<std::vector<Tensor>> state;  // per parameter, in state_names() order
  };
  // The state buffers this optimizer keeps for a parameter under `group`'s options, in the order
  // the kernel takes them.
  virtual std::vector<std::string> state_names(const GroupOptions& group) const = 0;
  // Runs the batch's update (engine/ops/optim.h); `table` is this launch site's device table.
  virtual void update(const Batch& batch, OptimTable& table) = 0;

 private:
  int64_t index_of(const TensorImpl* p) const;

  GroupOptions defaults_;
  std::vector<ParamGroup> groups_;
  std::vector<ParamState> state_;  // by parameter index
  std::vector<const TensorImpl*> index_;
  // One device table per launch site, kept across steps.
  std::vector<OptimTable> tables_;
};

// PyTorch's SGD: momentum (buffer = first gradient on a parameter's first step), dampening,
// nesterov, L2 weight decay. Reads lr, weight_decay, momentum, dampening, nesterov.
class SGD : public Optimizer {
 public:
  using Optimizer::Optimizer;

 private:
  std::vector<std::string> state_names(const GroupOptions& group) const override;
  void update(const Batch& batch, OptimTable& table) override;
};

// Adam, AdamW and Padam share one update (engine/ops/optim.h): bias-corrected moments, AMSGrad's
// running max of the second moment when amsgrad is set, L2 weight decay added to the gradient
// (Adam, Padam) or decoupled (AdamW: p *= 1 - lr * wd). Reads lr, weight_decay, beta1, beta2, eps,
// amsgrad, partial.
class AdamBase : public Optimizer {
 protected:
  AdamBase(std::vector<GroupSpec> groups, GroupOptions defaults, bool decoupled);

 private:
  std::vector<std::string> state_names(const GroupOptions& group) const override;
  void update(const Batch& batch, OptimTable& table) override;
  bool decoupled_;
};

class Adam : public AdamBase {
 public:
  Adam(std::vector<GroupSpec> groups, GroupOptions defaults) : AdamBase(groups, defaults, false) {}
};

// AdamW: PyTorch's default weight_decay 0.01 is not implied; pass it in the options.
class AdamW : public AdamBase {
 public:
  AdamW(std::vector<GroupSpec> groups, GroupOptions defaults) : AdamBase(groups, defaults, true) {}
};

// Padam (Chen & Gu, "Closing the Generalization Gap of Adaptive Gradient Methods"): AMSGrad with a
// partial exponent p in (0, 1/2] on the second moment,
//   p -= lr * m_hat / (v_hat^p + eps),  m_hat = m / (1 - b1^t),  v_hat = max_t(v) / (1 - b2^t),
// with amsgrad always on. p = 1/2 is exactly Adam with amsgrad (PyTorch's formula); the paper
// suggests p = 1/8 and a larger lr (0.1). The authors' code raises (sqrt(v_max) + eps) to 2p and
// applies the bias corrections outside; we keep eps outside the power, as Adam does.
class Padam : public AdamBase {
 public:
  Padam(std::vector<GroupSpec> groups, GroupOptions defaults);
};

// Rules for param_groups_no_decay: which parameters get no weight decay, which a scaled lr.
struct GroupRules {
  // Module names (a dotted component of the parameter's path) containing one of these mark norm
  // layers; their parameters, and every tensor of at most one dimension (biases, norm affine
  // parameters), get weight_decay = 0.
  std::vector<std::string> norm_names = {"bn", "norm", "gn"};
  // Parameters whose names start with a prefix get its lr multiplier (the first that matches).
  std::vector<std::pair<std::string, double>> lr_mult;
};

// Splits named parameters into groups by (decay or not, lr multiplier), in order of first
// appearance. Decayed groups leave weight_decay to the optimizer's default.
std::vector<GroupSpec> param_groups_no_decay(const NamedTensors& named,
                                             const GroupRules& rules = {});
inline std::vector<GroupSpec> param_groups_no_decay(const Module& module,
                                                    const GroupRules& rules = {}) {
  return param_groups_no_decay(module.named_parameters().items(), rules);
}

// Scales all gradients by min(1, max_norm / (total_norm + 1e-6)) as clip_grad_norm_ does, where
// total_norm is the norm_type-norm of all gradients together (inf: the largest magnitude).
// Returns total_norm as a 0-dim tensor on the gradients' device (no host sync). Parameters
// without a gradient are skipped.
Tensor clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2);
// Clamps every gradient to [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

}  // namespace tessel::nn
