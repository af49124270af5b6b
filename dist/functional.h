// Collectives that gradients flow through, for layers whose forward needs numbers from every
// rank (SyncBatchNorm's statistics).
#pragma once

#include <memory>

#include "dist/process_group.h"
#include "engine/tensor.h"

namespace tessel::dist {

// The sum of `t` over all ranks (a new tensor; `t` is unchanged), waited for. Its backward sums
// the incoming gradients over all ranks too: every rank's loss depends on every rank's `t`.
Tensor all_reduce_sum(const Tensor& t, const std::shared_ptr<ProcessGroup>& group);

}  // namespace tessel::dist
