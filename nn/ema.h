// Weight averaging: an exponential moving average of a model's parameters and buffers, kept next
// to the model and swapped in for evaluation; and the plain average of several checkpoints.
//
// The EMA update, after every optimizer step, is  e = d_t * e + (1 - d_t) * x  for floating-point
// tensors (non-float buffers such as num_batches_tracked are copied), under no-grad, with the
// warmed-up decay  d_t = decay * (1 - exp(-t / warmup_tau)),  t = 1 on the first update, so that
// early averages are not dominated by the random initialisation. Two conventions give tau:
//  - a fixed number of steps: YOLOv5's and SuperGradients' ModelEMA use decay * (1 - exp(-t/2000));
//  - a fraction of the run: SuperGradients' ExpDecay(beta) uses decay * (1 - exp(-beta * t / T))
//  for
//    a run of T steps (beta = 15 by default), i.e. tau = T / beta: ema_warmup_tau(T, beta).
// warmup_tau = 0 turns the warm-up off (d_t = decay, as timm's ModelEmaV2).
#pragma once

#include <cstdint>
#include <vector>

#include "nn/optimizer.h"

namespace tessel::nn {

inline double ema_warmup_tau(int64_t total_steps, double beta = 15) {
  return double(total_steps) / beta;
}

// What an EMA of a module follows: its parameters, then its buffers.
inline NamedTensors parameters_and_buffers(const Module& module) {
  NamedTensors out = module.named_parameters().items();
  for (const auto& item : module.named_buffers()) out.push_back(item);
  return out;
}

struct EmaOptions {
  double decay = 0.9999;
  double warmup_tau = 2000;
};

class Ema {
 public:
  // Starts from a copy of `model` (its parameters and buffers, e.g. the items of
  // named_parameters() followed by those of named_buffers()).
  explicit Ema(const NamedTensors& model, EmaOptions options = {});
  explicit Ema(const Module& model, EmaOptions options = {})
      : Ema(parameters_and_buffers(model), options) {}

  // Folds the model's current values in; `model` must list the same names, in the same order,
  // with the same shapes.
  void update(const NamedTensors& model);
  void update(const Module& model) { update(parameters_and_buffers(model)); }
  double decay_at(int64_t t) const;
  int64_t updates() const { return updates_; }
  const NamedTensors& averaged() const { return averaged_; }

  // Writes the averages into the model's tensors (in place, converting dtype and device).
  void copy_to(const NamedTensors& model) const;
  void copy_to(const Module& model) const { copy_to(parameters_and_buffers(model)); }
  // Exchanges the model's values with the averages: swap, evaluate, swap back.
  void swap(const NamedTensors& model);
  void swap(const Module& model) { swap(parameters_and_buffers(model)); }
  // Restores averages and the update count saved from averaged() and updates().
  void load(const NamedTensors& averaged, int64_t updates);

 private:
  void check_matches(const NamedTensors& model, const char* what) const;

  EmaOptions options_;
  NamedTensors averaged_;
  int64_t updates_ = 0;
};

// The average of several state dicts with the same names and shapes (e.g. the best k
// checkpoints): floating-point tensors are averaged (in f64, then converted back), others
// (num_batches_tracked) are taken from the last dict.
NamedTensors average_state_dicts(const std::vector<NamedTensors>& dicts);

}  // namespace tessel::nn
