// Learning-rate schedules, after torch.optim.lr_scheduler.
//
// A scheduler sets the lr of every group of an optimizer from the group's base lr (its
// initial_lr, recorded by the first scheduler attached) and a step count t. Construction sets
// t = 0 and the lr for it; step() advances t by one. What one step is (an iteration or an epoch)
// is the caller's choice: call step() per iteration with lengths in iterations, or per epoch with
// lengths in epochs. Each schedule is a closed form of t, so values match PyTorch's (recursive)
// ones to rounding, and load_state_dict() resumes exactly.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/optimizer.h"

namespace tessel::nn {

// Scalar state by name ("last_epoch", "base_lrs.0", ...), as in PyTorch's scheduler state_dict.
using ScalarDict = std::map<std::string, double>;

class LrScheduler {
 public:
  explicit LrScheduler(Optimizer& optimizer);
  virtual ~LrScheduler() = default;
  LrScheduler(const LrScheduler&) = delete;
  LrScheduler& operator=(const LrScheduler&) = delete;

  void step();
  int64_t last_epoch() const { return last_epoch_; }
  std::vector<double> last_lr() const;
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() const { return optimizer_; }

  // The lr of group g at step t.
  virtual double lr_at(int64_t t, size_t g) const = 0;
  // Sets the groups' hyperparameters for step t (the lr; OneCycle also the momentum).
  virtual void apply(int64_t t);

  ScalarDict state_dict() const;
  void load_state_dict(const ScalarDict& dict);

 protected:
  // Concrete schedulers call this last in their constructor: t = 0 and its lr.
  void initial_step();

 private:
  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
};

// lr = base * gamma^(t / step_size)
class StepLR : public LrScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  double lr_at(int64_t t, size_t g) const override;

 private:
  int64_t step_size_;
  double gamma_;
};

// lr = base * gamma^(number of milestones <= t)
class MultiStepLR : public LrScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);
  double lr_at(int64_t t, size_t g) const override;

 private:
  std::vector<int64_t> milestones_;
  double gamma_;
};

// lr = (base - min_lr) * (1 - min(t, total) / total)^power + min_lr: mmseg's PolyLR; PyTorch's
// PolynomialLR when min_lr = 0.
class PolyLR : public LrScheduler {
 public:
  PolyLR(Optimizer& optimizer, int64_t total_iters, double power = 1.0, double min_lr = 0);
  double lr_at(int64_t t, size_t g) const override;

 private:
  int64_t total_;
  double power_, min_lr_;
};

// lr = eta_min + (base - eta_min) * (1 + cos(pi * t / t_max)) / 2, PyTorch's CosineAnnealingLR
// (which keeps following the cosine past t_max). eta_min is absolute, or base * final_lr_ratio
// per group when a ratio is given (SuperGradients' cosine_final_lr_ratio).
class CosineLR : public LrScheduler {
 public:
  struct Options {
    double eta_min = 0;
    std::optional<double> final_lr_ratio;
  };
  CosineLR(Optimizer& optimizer, int64_t t_max, Options options);
  CosineLR(Optimizer& optimizer, int64_t t_max) : CosineLR(optimizer, t_max, Options{}) {}
  double lr_at(int64_t t, size_t g) const override;

 private:
  int64_t t_max_;
  Options options_;
};

// PyTorch's OneCycleLR: from max_lr / div_factor up to max_lr over pct_start of total_steps, then
// down to that / final_div_factor (three_phase: back to the initial lr first, then down), cosine
// or linear; momentum (SGD's momentum, Adam's beta1) cycles the opposite way between
// base_momentum and max_momentum. max_lr has one value per group, or one for all. Stepping past
// total_steps throws, as in PyTorch.
class OneCycleLR : public LrScheduler {
 public:
  struct Options {
    std::vector<double> max_lr;
    int64_t total_steps = 0;
    double pct_start = 0.3;
    bool cos_anneal = true;  // else linear
    bool cycle_momentum = true;
    double base_momentum = 0.85, max_momentum = 0.95;
    double div_factor = 25, final_div_factor = 1e4;
    bool three_phase = false;
  };
  OneCycleLR(Optimizer& optimizer, Options options);
  double lr_at(int64_t t, size_t g) const override;
  void apply(int64_t t) override;

 private:
  struct Phase {
    double end_step;
    int start_lr, end_lr;  // indices into a group's (initial, max, min) lr
    double start_momentum, end_momentum;
  };
  // The phase containing t and how far along it t is, in [0, 1].
  const Phase& phase_at(int64_t t, double& pct) const;
  double anneal(double start, double end, double pct) const;

  Options options_;
  std::vector<Phase> phases_;
  std::vector<std::array<double, 3>> lrs_;  // per group: initial, max, min
};

// A warm-up in front of another schedule: for t < iters the lr is base * factor(t), linear
// (start_factor + (1 - start_factor) * t / iters, PyTorch's LinearLR in a SequentialLR) or
// exponential (start_factor^(1 - t / iters), mmcv's 'exp'); from then on the inner schedule runs
// from its own t = 0, as SequentialLR does.
class WarmupLR : public LrScheduler {
 public:
  struct Options {
    int64_t iters = 0;
    double start_factor = 1.0 / 3;
    bool exponential = false;
  };
  WarmupLR(std::unique_ptr<LrScheduler> inner, Options options);
  double lr_at(int64_t t, size_t g) const override;
  void apply(int64_t t) override;

 private:
  std::unique_ptr<LrScheduler> inner_;
  Options options_;
};

// PyTorch's ReduceLROnPlateau: after more than `patience` steps without improving on the best
// metric (relatively or absolutely, by `threshold`), multiply every group's lr by `factor` (not
// below its min_lr, and only when the change exceeds eps), then wait `cooldown` steps.
class ReduceLROnPlateau {
 public:
  struct Options {
    bool maximize = false;  // mode "max"
    double factor = 0.1;
    int64_t patience = 10;
    double threshold = 1e-4;
    bool relative = true;  // threshold_mode "rel", else "abs"
    int64_t cooldown = 0;
    std::vector<double> min_lr = {0};  // one per group, or one for all
    double eps = 1e-8;
  };
  ReduceLROnPlateau(Optimizer& optimizer, Options options);
  void step(double metric);
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  ScalarDict state_dict() const;
  void load_state_dict(const ScalarDict& dict);

 private:
  bool is_better(double metric) const;

  Optimizer& optimizer_;
  Options options_;
  double best_;
  int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
};

}  // namespace tessel::nn
