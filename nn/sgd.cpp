#include "engine/dispatch.h"
#include "nn/optimizer.h"

namespace tessel::nn {

std::vector<std::string> SGD::state_names(const GroupOptions& group) const {
  if (group.momentum == 0) return {};
  return {"momentum_buffer"};
}

void SGD::update(const Batch& batch, const kernels::OptimTensor* table, int64_t chunks) {
  const GroupOptions& o = batch.group->options;
  TESSEL_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
               "SGD: nesterov needs momentum > 0 and dampening 0, got momentum ", o.momentum,
               " and dampening ", o.dampening);
  kernels::SgdHyper h{o.lr, o.weight_decay, o.momentum, o.dampening, o.nesterov, batch.step == 1};
  int64_t n = int64_t(batch.tensors.size());
  on_device(batch.device,
            [&](const auto& ctx) { kernels::sgd_step(ctx, batch.dtype, h, table, n, chunks); });
}

}  // namespace tessel::nn
