// Fused multi-tensor optimizer updates (kernels/optim.h), as torch.optim's fused paths: every
// parameter of a list updated in place in one pass, one kernel launch on CUDA. The tensors of one
// call share a dtype and a device and are contiguous; grads[i] has params[i]'s shape, and
// state[i] holds parameter i's buffers in the order the update reads them (SGD: the momentum
// buffer when momentum > 0; Adam: exp_avg, exp_avg_sq, then max_exp_avg_sq with amsgrad), in the
// parameter's dtype or f32 for 16-bit parameters. Nothing is recorded for autograd.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace tessel {

// torch.optim.SGD's update; `step` counts from 1 (step 1 starts the momentum buffer).
struct SgdStep {
  double lr = 0, weight_decay = 0, momentum = 0, dampening = 0;
  bool nesterov = false;
  int64_t step = 1;
};

// Adam (L2 weight decay), AdamW (decoupled) and Padam (partial exponent), with AMSGrad's running
// maximum when `amsgrad`; bias-corrected with `step`, counted from 1.
struct AdamStep {
  double lr = 0, weight_decay = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, partial = 0.5;
  bool amsgrad = false, decoupled = false;
  int64_t step = 1;
};

// The table of pointers a CUDA update reads, kept on the device between calls: it is uploaded
// again only when a tensor moved, so most steps skip the copy and the host sync it implies.
// One per launch site (per parameter batch), reused across steps.
class OptimTable {
 public:
  // The device copy of `entries` (bytes of the kernel's table) on `device`.
  const void* upload(const std::vector<uint8_t>& entries, Device device);

 private:
  std::vector<uint8_t> host_;
  Tensor device_;
};

void sgd_step_(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
               const std::vector<std::vector<Tensor>>& state, const SgdStep& options,
               OptimTable& table);
void adam_step_(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                const std::vector<std::vector<Tensor>>& state, const AdamStep& options,
                OptimTable& table);

}  // namespace tessel
