#include "nn/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tessel::nn {
namespace {

// One value per group from a list of one per group or one for all.
double per_group(const std::vector<double>& v, size_t g, const char* what) {
  TESSEL_CHECK(!v.empty(), what, ": needs at least one value");
  return v.size() == 1 ? v[0] : v.at(g);
}

void check_per_group(const std::vector<double>& v, size_t groups, const char* what) {
  TESSEL_CHECK(v.size() == 1 || v.size() == groups, what, ": ", v.size(),
               " values for an optimizer with ", groups, " groups; give one or one per group");
}

}  // namespace

LrScheduler::LrScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (ParamGroup& g : optimizer.param_groups()) {
    if (!g.initial_lr) g.initial_lr = g.options.lr;
    base_lrs_.push_back(*g.initial_lr);
  }
}

void LrScheduler::initial_step() {
  last_epoch_ = -1;
  step();
}

void LrScheduler::step() {
  apply(++last_epoch_);
}

void LrScheduler::apply(int64_t t) {
  auto& groups = optimizer_.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) groups[g].options.lr = lr_at(t, g);
}

std::vector<double> LrScheduler::last_lr() const {
  std::vector<double> out;
  for (const ParamGroup& g : optimizer_.param_groups()) out.push_back(g.options.lr);
  return out;
}

ScalarDict LrScheduler::state_dict() const {
  ScalarDict d{{"last_epoch", double(last_epoch_)}};
  for (size_t g = 0; g < base_lrs_.size(); ++g) d["base_lrs." + std::to_string(g)] = base_lrs_[g];
  return d;
}

void LrScheduler::load_state_dict(const ScalarDict& dict) {
  auto find = [&](const std::string& key) {
    auto it = dict.find(key);
    TESSEL_CHECK(it != dict.end(), "LrScheduler::load_state_dict: no key '", key, "'");
    return it->second;
  };
  last_epoch_ = int64_t(find("last_epoch"));
  for (size_t g = 0; g < base_lrs_.size(); ++g)
    base_lrs_[g] = find("base_lrs." + std::to_string(g));
  apply(last_epoch_);
}

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LrScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  TESSEL_CHECK(step_size > 0, "StepLR: step_size ", step_size, ", expected > 0");
  initial_step();
}

double StepLR::lr_at(int64_t t, size_t g) const {
  return base_lrs()[g] * std::pow(gamma_, double(t / step_size_));
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LrScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  std::sort(milestones_.begin(), milestones_.end());
  initial_step();
}

double MultiStepLR::lr_at(int64_t t, size_t g) const {
  auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), t) - milestones_.begin();
  return base_lrs()[g] * std::pow(gamma_, double(passed));
}

PolyLR::PolyLR(Optimizer& optimizer, int64_t total_iters, double power, double min_lr)
    : LrScheduler(optimizer), total_(total_iters), power_(power), min_lr_(min_lr) {
  TESSEL_CHECK(total_iters > 0, "PolyLR: total_iters ", total_iters, ", expected > 0");
  initial_step();
}

double PolyLR::lr_at(int64_t t, size_t g) const {
  double left = 1.0 - double(std::min(t, total_)) / double(total_);
  return (base_lrs()[g] - min_lr_) * std::pow(left, power_) + min_lr_;
}

CosineLR::CosineLR(Optimizer& optimizer, int64_t t_max, Options options)
    : LrScheduler(optimizer), t_max_(t_max), options_(options) {
  TESSEL_CHECK(t_max > 0, "CosineLR: t_max ", t_max, ", expected > 0");
  initial_step();
}

double CosineLR::lr_at(int64_t t, size_t g) const {
  double base = base_lrs()[g];
  double eta_min = options_.final_lr_ratio ? base * *options_.final_lr_ratio : options_.eta_min;
  return eta_min +
         (base - eta_min) * (1 + std::cos(std::numbers::pi * double(t) / double(t_max_))) / 2;
}

namespace {

// OneCycle's initial lr (max_lr / div_factor) becomes each group's initial_lr, as in PyTorch.
Optimizer& with_one_cycle_initial_lr(Optimizer& optimizer, const OneCycleLR::Options& o) {
  auto& groups = optimizer.param_groups();
  check_per_group(o.max_lr, groups.size(), "OneCycleLR: max_lr");
  for (size_t g = 0; g < groups.size(); ++g)
    groups[g].initial_lr = per_group(o.max_lr, g, "OneCycleLR: max_lr") / o.div_factor;
  return optimizer;
}

}  // namespace

OneCycleLR::OneCycleLR(Optimizer& optimizer, Options o)
    : LrScheduler(with_one_cycle_initial_lr(optimizer, o)), options_(std::move(o)) {
  const Options& p = options_;
  TESSEL_CHECK(p.total_steps > 0, "OneCycleLR: total_steps ", p.total_steps, ", expected > 0");
  TESSEL_CHECK(p.pct_start >= 0 && p.pct_start <= 1, "OneCycleLR: pct_start ", p.pct_start,
               " outside [0, 1]");
  double up = p.pct_start * double(p.total_steps), last = double(p.total_steps - 1);
  double lo = p.base_momentum, hi = p.max_momentum;
  if (p.three_phase)
    phases_ = {{up - 1, 0, 1, hi, lo}, {2 * up - 2, 1, 0, lo, hi}, {last, 0, 2, hi, hi}};
  else
    phases_ = {{up - 1, 0, 1, hi, lo}, {last, 1, 2, lo, hi}};
  for (double initial : base_lrs())
    lrs_.push_back({initial, per_group(p.max_lr, lrs_.size(), "OneCycleLR: max_lr"),
                    initial / p.final_div_factor});
  initial_step();
}

const OneCycleLR::Phase& OneCycleLR::phase_at(int64_t t, double& pct) const {
  TESSEL_CHECK(t <= options_.total_steps, "OneCycleLR: stepped ", t,
               " times, more than total_steps ", options_.total_steps);
  double start = 0;
  for (size_t i = 0;; ++i) {
    const Phase& ph = phases_[i];
    if (double(t) <= ph.end_step || i + 1 == phases_.size()) {
      pct = (double(t) - start) / (ph.end_step - start);
      return ph;
    }
    start = ph.end_step;
  }
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.cos_anneal)
    return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1);
  return (end - start) * pct + start;
}

double OneCycleLR::lr_at(int64_t t, size_t g) const {
  double pct = 0;
  const Phase& ph = phase_at(t, pct);
  return anneal(lrs_[g][size_t(ph.start_lr)], lrs_[g][size_t(ph.end_lr)], pct);
}

void OneCycleLR::apply(int64_t t) {
  LrScheduler::apply(t);
  if (!options_.cycle_momentum) return;
  double pct = 0;
  const Phase& ph = phase_at(t, pct);
  double m = anneal(ph.start_momentum, ph.end_momentum, pct);
  for (ParamGroup& g : optimizer().param_groups()) g.options.momentum = g.options.beta1 = m;
}

namespace {

LrScheduler& checked(const std::unique_ptr<LrScheduler>& inner) {
  TESSEL_CHECK(inner != nullptr, "WarmupLR: no inner scheduler");
  return *inner;
}

}  // namespace

WarmupLR::WarmupLR(std::unique_ptr<LrScheduler> inner, Options options)
    : LrScheduler(checked(inner).optimizer()), inner_(std::move(inner)), options_(options) {
  TESSEL_CHECK(options.iters >= 0, "WarmupLR: iters ", options.iters, ", expected >= 0");
  TESSEL_CHECK(options.start_factor > 0 && options.start_factor <= 1, "WarmupLR: start_factor ",
               options.start_factor, " outside (0, 1]");
  initial_step();
}

double WarmupLR::lr_at(int64_t t, size_t g) const {
  if (t >= options_.iters) return inner_->lr_at(t - options_.iters, g);
  double f = options_.start_factor, x = double(t) / double(options_.iters);
  return base_lrs()[g] * (options_.exponential ? std::pow(f, 1 - x) : f + (1 - f) * x);
}

void WarmupLR::apply(int64_t t) {
  if (t >= options_.iters)
    inner_->apply(t - options_.iters);
  else
    LrScheduler::apply(t);
}

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, Options options)
    : optimizer_(optimizer),
      options_(std::move(options)),
      best_(options_.maximize ? -INFINITY : INFINITY) {
  check_per_group(options_.min_lr, optimizer.param_groups().size(), "ReduceLROnPlateau: min_lr");
  TESSEL_CHECK(options_.factor < 1, "ReduceLROnPlateau: factor ", options_.factor,
               ", expected < 1");
}

bool ReduceLROnPlateau::is_better(double a) const {
  double th = options_.threshold;
  if (options_.maximize) return options_.relative ? a > best_ * (th + 1) : a > best_ + th;
  return options_.relative ? a < best_ * (1 - th) : a < best_ - th;
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;
  }
  if (num_bad_epochs_ <= options_.patience) return;
  auto& groups = optimizer_.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    double old_lr = groups[g].options.lr;
    double new_lr = std::max(old_lr * options_.factor, per_group(options_.min_lr, g, "min_lr"));
    if (old_lr - new_lr > options_.eps) groups[g].options.lr = new_lr;
  }
  cooldown_counter_ = options_.cooldown;
  num_bad_epochs_ = 0;
}

ScalarDict ReduceLROnPlateau::state_dict() const {
  return {{"best", best_},
          {"num_bad_epochs", double(num_bad_epochs_)},
          {"cooldown_counter", double(cooldown_counter_)},
          {"last_epoch", double(last_epoch_)}};
}

void ReduceLROnPlateau::load_state_dict(const ScalarDict& dict) {
  for (const char* key : {"best", "num_bad_epochs", "cooldown_counter", "last_epoch"})
    TESSEL_CHECK(dict.count(key), "ReduceLROnPlateau::load_state_dict: no key '", key, "'");
  best_ = dict.at("best");
  num_bad_epochs_ = int64_t(dict.at("num_bad_epochs"));
  cooldown_counter_ = int64_t(dict.at("cooldown_counter"));
  last_epoch_ = int64_t(dict.at("last_epoch"));
}

}  // namespace tessel::nn
