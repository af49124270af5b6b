#include "nn/optimizer.h"

#include <algorithm>
#include <cmath>

#include "engine/ops.h"

namespace tessel::nn {
namespace {

// State dtype: 16-bit parameters keep f32 state (see optimizer.h).
DType state_dtype(DType param) {
  return param == DType::F16 || param == DType::BF16 ? DType::F32 : param;
}

}  // namespace

Optimizer::Optimizer(std::vector<GroupSpec> groups, GroupOptions defaults) : defaults_(defaults) {
  for (GroupSpec& g : groups) add_param_group(std::move(g));
}

void Optimizer::add_param_group(GroupSpec spec) {
  ParamGroup group{std::move(spec.params), defaults_, std::nullopt};
  group.options.lr = spec.lr.value_or(defaults_.lr) * spec.lr_scale;
  group.options.weight_decay = spec.weight_decay.value_or(defaults_.weight_decay);
  TESSEL_CHECK(group.options.lr >= 0, "Optimizer: group ", groups_.size(), " has lr ",
               group.options.lr, ", expected >= 0");
  for (size_t i = 0; i < group.params.size(); ++i) {
    const Tensor& p = group.params[i];
    TESSEL_CHECK(p.defined() && is_floating(p.dtype()), "Optimizer: parameter ", i, " of group ",
                 groups_.size(), " is undefined or not floating point");
    TESSEL_CHECK(index_of(p.impl().get()) < 0, "Optimizer: parameter ", i, " of group ",
                 groups_.size(), " (shape ", shape_str(p.sizes()),
                 ") already appears in an earlier group");
    index_.push_back(p.impl().get());
    state_.emplace_back();
  }
  groups_.push_back(std::move(group));
}

int64_t Optimizer::index_of(const TensorImpl* p) const {
  auto it = std::find(index_.begin(), index_.end(), p);
  return it == index_.end() ? -1 : int64_t(it - index_.begin());
}

const ParamState& Optimizer::state(int64_t index) const {
  TESSEL_CHECK(index >= 0 && index < int64_t(state_.size()), "Optimizer::state: index ", index,
               " outside [0, ", state_.size(), ")");
  return state_[size_t(index)];
}

void Optimizer::zero_grad(bool set_to_none) {
  for (ParamGroup& g : groups_)
    for (Tensor& p : g.params) {
      if (set_to_none)
        p.set_grad(Tensor());
      else if (p.grad().defined())
        p.grad().zero_();
    }
}

void Optimizer::step() {
  NoGradGuard no_grad;
  size_t slot = 0;
  for (const ParamGroup& group : groups_) {
    std::vector<std::string> names = state_names(group.options);
    std::vector<Batch> batches;
    for (size_t i = 0; i < group.params.size(); ++i) {
      const Tensor& p = group.params[i];
      Tensor g = p.grad();
      if (!g.defined()) continue;
      // Checked here too, before any state changes, naming the parameter by its group index.
      TESSEL_CHECK(g.sizes() == p.sizes() && g.dtype() == p.dtype() && g.device() == p.device(),
                   "Optimizer::step: parameter ", i, " (", shape_str(p.sizes()), ", ", p.dtype(),
                   ", ", p.device(), ") has a gradient of ", shape_str(g.sizes()), ", ", g.dtype(),
                   ", ", g.device());
      ParamState& st = state_[size_t(index_of(p.impl().get()))];
      std::vector<Tensor> buffers;
      for (const std::string& name : names) {
        Tensor& buf = st.buffers[name];
        if (!buf.defined()) buf = zeros(p.sizes(), {state_dtype(p.dtype()), p.device()});
        buffers.push_back(buf);
      }
      ++st.step;
      auto same = [&](const Batch& b) {
        return b.dtype == p.dtype() && b.device == p.device() && b.step == st.step;
      };
      auto it = std::find_if(batches.begin(), batches.end(), same);
      if (it == batches.end()) {
        batches.push_back(Batch{&group, p.dtype(), p.device(), st.step, {}, {}, {}});
        it = batches.end() - 1;
      }
      it->params.push_back(p);
      it->grads.push_back(g);
      it->state.push_back(std::move(buffers));
    }
    for (Batch& b : batches) {
      if (tables_.size() <= slot) tables_.resize(slot + 1);
      update(b, tables_[slot++]);
    }
  }
}

OptimizerState Optimizer::state_dict() const {
  OptimizerState out;
  for (const ParamGroup& g : groups_) {
    OptimizerState::Group s{g.options, g.initial_lr, {}};
    for (const Tensor& p : g.params) s.params.push_back(index_of(p.impl().get()));
    out.groups.push_back(std::move(s));
  }
  for (size_t i = 0; i < state_.size(); ++i) {
    if (state_[i].step == 0) continue;
    ParamState copy{state_[i].step, {}};
    for (const auto& [name, t] : state_[i].buffers) copy.buffers[name] = t.clone();
    out.state[int64_t(i)] = std::move(copy);
  }
  return out;
}

// As PyTorch: saved indices map to this optimizer's parameters by position within the groups.
void Optimizer::load_state_dict(const OptimizerState& dict) {
  TESSEL_CHECK(dict.groups.size() == groups_.size(), "Optimizer::load_state_dict: the dict has ",
               dict.groups.size(), " parameter groups, the optimizer ", groups_.size());
  for (size_t k = 0; k < groups_.size(); ++k)
    TESSEL_CHECK(dict.groups[k].params.size() == groups_[k].params.size(),
                 "Optimizer::load_state_dict: group ", k, " has ", dict.groups[k].params.size(),
                 " parameters in the dict, ", groups_[k].params.size(), " in the optimizer");
  std::vector<ParamState> state(state_.size());
  for (size_t k = 0; k < groups_.size(); ++k) {
    for (size_t i = 0; i < groups_[k].params.size(); ++i) {
      auto it = dict.state.find(dict.groups[k].params[i]);
      if (it == dict.state.end()) continue;
      const Tensor& p = groups_[k].params[i];
      ParamState& st = state[size_t(index_of(p.impl().get()))];
      st.step = it->second.step;
      for (const auto& [name, t] : it->second.buffers) {
        TESSEL_CHECK(t.sizes() == p.sizes(), "Optimizer::load_state_dict: state '", name,
                     "' of parameter ", i, " of group ", k, " has shape ", shape_str(t.sizes()),
                     ", the parameter ", shape_str(p.sizes()));
        st.buffers[name] = zeros(p.sizes(), {state_dtype(p.dtype()), p.device()}).copy_(t);
      }
    }
  }
  for (size_t k = 0; k < groups_.size(); ++k) {
    groups_[k].options = dict.groups[k].options;
    groups_[k].initial_lr = dict.groups[k].initial_lr;
  }
  state_ = std::move(state);
}

std::vector<GroupSpec> param_groups_no_decay(const NamedTensors& named, const GroupRules& rules) {
  auto in_norm_layer = [&](const std::string& name) {
    size_t dot = name.rfind('.');
    std::string module = dot == std::string::npos ? "" : name.substr(0, dot);
    size_t start = 0;
    while (start < module.size()) {
      size_t end = std::min(module.find('.', start), module.size());
      std::string part = module.substr(start, end - start);
      for (const std::string& n : rules.norm_names)
        if (part.find(n) != std::string::npos) return true;
      start = end + 1;
    }
    return false;
  };
  std::vector<GroupSpec> groups;
  std::vector<std::pair<bool, double>> keys;  // (decays, lr multiplier) of each group
  for (const auto& [name, p] : named) {
    bool decays = p.dim() > 1 && !in_norm_layer(name);
    double mult = 1;
    for (const auto& [prefix, m] : rules.lr_mult)
      if (name.rfind(prefix, 0) == 0) {
        mult = m;
        break;
      }
    std::pair<bool, double> key{decays, mult};
    auto it = std::find(keys.begin(), keys.end(), key);
    if (it == keys.end()) {
      keys.push_back(key);
      groups.emplace_back(std::vector<Tensor>{}, std::nullopt,
                          decays ? std::nullopt : std::optional<double>(0.0), mult);
      it = keys.end() - 1;
    }
    groups[size_t(it - keys.begin())].params.push_back(p);
  }
  return groups;
}

namespace {

// torch.linalg.vector_norm of all elements: sqrt(sum x^2) for p = 2, max |x| for p = inf.
Tensor vector_norm(const Tensor& x, double p) {
  if (std::isinf(p)) return max(abs(x));
  if (p == 2) return sqrt(sum(x * x));
  return pow(sum(pow(abs(x), p)), 1 / p);
}

}  // namespace

Tensor clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type) {
  TESSEL_CHECK(norm_type > 0, "clip_grad_norm_: norm_type ", norm_type, ", expected > 0");
  NoGradGuard no_grad;
  std::vector<Tensor> grads, norms;
  for (const Tensor& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return scalar_tensor(0.0);
  for (const Tensor& g : grads) norms.push_back(vector_norm(g, norm_type));
  Tensor total = vector_norm(stack(norms), norm_type);
  Tensor coef = clamp(max_norm / (total + 1e-6), -INFINITY, 1.0);
  for (Tensor& g : grads) mul_(g, coef);
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  TESSEL_CHECK(clip_value >= 0, "clip_grad_value_: clip_value ", clip_value, ", expected >= 0");
  NoGradGuard no_grad;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (g.defined()) clamp_(g, -clip_value, clip_value);
  }
}

}  // namespace tessel::nn
