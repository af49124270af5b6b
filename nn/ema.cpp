#include "nn/ema.h"

#include <cmath>

#include "engine/ops.h"

namespace tessel::nn {
namespace {

// The names and shapes of `b` must be those of `a`, in order.
void check_same_layout(const NamedTensors& a, const NamedTensors& b, const char* what) {
  TESSEL_CHECK(a.size() == b.size(), what, ": ", b.size(), " tensors, expected ", a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    TESSEL_CHECK(a[i].first == b[i].first, what, ": tensor ", i, " is '", b[i].first,
                 "', expected '", a[i].first, "'");
    TESSEL_CHECK(a[i].second.sizes() == b[i].second.sizes(), what, ": '", a[i].first,
                 "' has shape ", shape_str(b[i].second.sizes()), ", expected ",
                 shape_str(a[i].second.sizes()));
  }
}

}  // namespace

Ema::Ema(const NamedTensors& model, EmaOptions options) : options_(options) {
  TESSEL_CHECK(options.decay >= 0 && options.decay <= 1, "Ema: decay ", options.decay,
               " outside [0, 1]");
  TESSEL_CHECK(options.warmup_tau >= 0, "Ema: warmup_tau ", options.warmup_tau, ", expected >= 0");
  for (const auto& [name, t] : model) averaged_.emplace_back(name, t.detach().clone());
}

double Ema::decay_at(int64_t t) const {
  if (options_.warmup_tau == 0) return options_.decay;
  return options_.decay * (1 - std::exp(-double(t) / options_.warmup_tau));
}

void Ema::check_matches(const NamedTensors& model, const char* what) const {
  check_same_layout(averaged_, model, what);
}

void Ema::update(const NamedTensors& model) {
  check_matches(model, "Ema::update");
  NoGradGuard no_grad;
  double d = decay_at(++updates_);
  for (size_t i = 0; i < model.size(); ++i) {
    Tensor& e = averaged_[i].second;
    if (is_floating(e.dtype())) {
      mul_(e, scalar_tensor(d, {e.dtype(), e.device()}));
      add_(e, model[i].second.detach(), 1 - d);
    } else {
      e.copy_(model[i].second);
    }
  }
}

void Ema::copy_to(const NamedTensors& model) const {
  check_matches(model, "Ema::copy_to");
  NoGradGuard no_grad;
  for (size_t i = 0; i < model.size(); ++i) Tensor(model[i].second).copy_(averaged_[i].second);
}

void Ema::swap(const NamedTensors& model) {
  check_matches(model, "Ema::swap");
  NoGradGuard no_grad;
  for (size_t i = 0; i < model.size(); ++i) {
    Tensor previous = model[i].second.detach().clone();
    Tensor(model[i].second).copy_(averaged_[i].second);
    averaged_[i].second.copy_(previous);
  }
}

void Ema::load(const NamedTensors& averaged, int64_t updates) {
  check_matches(averaged, "Ema::load");
  NoGradGuard no_grad;
  for (size_t i = 0; i < averaged.size(); ++i) averaged_[i].second.copy_(averaged[i].second);
  updates_ = updates;
}

NamedTensors average_state_dicts(const std::vector<NamedTensors>& dicts) {
  TESSEL_CHECK(!dicts.empty(), "average_state_dicts: no state dicts");
  for (size_t k = 1; k < dicts.size(); ++k)
    check_same_layout(dicts[0], dicts[k],
                      ("average_state_dicts: dict " + std::to_string(k)).c_str());
  NoGradGuard no_grad;
  NamedTensors out;
  for (size_t i = 0; i < dicts[0].size(); ++i) {
    const Tensor& last = dicts.back()[i].second;
    if (!is_floating(last.dtype())) {
      out.emplace_back(dicts[0][i].first, last.detach().clone());
      continue;
    }
    Tensor sum = dicts[0][i].second.detach().to(DType::F64);
    for (size_t k = 1; k < dicts.size(); ++k)
      sum = add(sum, dicts[k][i].second.detach().to(DType::F64));
    out.emplace_back(dicts[0][i].first, (sum / double(dicts.size())).to(last.dtype()));
  }
  return out;
}

}  // namespace tessel::nn
