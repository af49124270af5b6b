#include "nn/optimizer.h"

namespace tessel::nn {

std::vector<std::string> SGD::state_names(const GroupOptions& group) const {
  if (group.momentum == 0) return {};
  return {"momentum_buffer"};
}

void SGD::update(const Batch& batch, OptimTable& table) {
  const GroupOptions& o = batch.group->options;
  sgd_step_(batch.params, batch.grads, batch.state,
            {o.lr, o.weight_decay, o.momentum, o.dampening, o.nesterov, batch.step}, table);
}

}  // namespace tessel::nn
