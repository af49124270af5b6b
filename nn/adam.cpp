#include "nn/optimizer.h"

namespace tessel::nn {
namespace {

GroupOptions with_amsgrad(GroupOptions o) {
  o.amsgrad = true;
  return o;
}

}  // namespace

AdamBase::AdamBase(std::vector<GroupSpec> groups, GroupOptions defaults, bool decoupled)
    : Optimizer(std::move(groups), defaults), decoupled_(decoupled) {}

Padam::Padam(std::vector<GroupSpec> groups, GroupOptions defaults)
    : AdamBase(std::move(groups), with_amsgrad(defaults), false) {}

std::vector<std::string> AdamBase::state_names(const GroupOptions& group) const {
  if (group.amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

void AdamBase::update(const Batch& batch, OptimTable& table) {
  const GroupOptions& o = batch.group->options;
  adam_step_(batch.params, batch.grads, batch.state,
             {o.lr, o.weight_decay, o.beta1, o.beta2, o.eps, o.partial, o.amsgrad, decoupled_,
              batch.step},
             table);
}

}  // namespace tessel::nn
