#include <cmath>

#include "engine/dispatch.h"
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

void AdamBase::update(const Batch& batch, const kernels::OptimTensor* table, int64_t chunks) {
  const GroupOptions& o = batch.group->options;
  TESSEL_CHECK(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1, "Adam: betas (", o.beta1,
               ", ", o.beta2, ") outside [0, 1)");
  TESSEL_CHECK(o.partial > 0 && o.partial <= 0.5, "Adam: partial ", o.partial, " outside (0, 0.5]");
  double t = double(batch.step);
  kernels::AdamHyper h{o.lr,
                       o.weight_decay,
                       o.beta1,
                       o.beta2,
                       o.eps,
                       o.partial,
                       o.amsgrad,
                       decoupled_,
                       1 - std::pow(o.beta1, t),
                       1 - std::pow(o.beta2, t)};
  int64_t n = int64_t(batch.tensors.size());
  on_device(batch.device,
            [&](const auto& ctx) { kernels::adam_step(ctx, batch.dtype, h, table, n, chunks); });
}

}  // namespace tessel::nn
