// sgd_step_ and adam_step_: argument checks, the kernel's table of tensors, one kernel call.
#include "engine/ops/optim.h"

#include <cmath>
#include <cstring>

#include "engine/dispatch.h"
#include "kernels/optim.h"

namespace tessel {
namespace {

using kernels::OptimTensor;

// The kernel's table of params, grads and state, checked; first_chunk filled in by `chunks`.
std::vector<OptimTensor> table_of(const char* op, const std::vector<Tensor>& params,
                                  const std::vector<Tensor>& grads,
                                  const std::vector<std::vector<Tensor>>& state, size_t buffers) {
  TESSEL_CHECK(grads.size() == params.size() && state.size() == params.size(), op, ": ",
               params.size(), " params, ", grads.size(), " grads and ", state.size(),
               " state lists: they must match");
  std::vector<OptimTensor> table;
  table.reserve(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor &p = params[i], &g = grads[i];
    TESSEL_CHECK(p.dtype() == params[0].dtype() && p.device() == params[0].device(), op,
                 ": parameter ", i, " is ", p.dtype(), " on ", p.device(), " but parameter 0 is ",
                 params[0].dtype(), " on ", params[0].device(), "; one call updates one kind");
    TESSEL_CHECK(g.sizes() == p.sizes() && g.dtype() == p.dtype() && g.device() == p.device(), op,
                 ": parameter ", i, " (", shape_str(p.sizes()), ", ", p.dtype(), ", ", p.device(),
                 ") has a gradient of ", shape_str(g.sizes()), ", ", g.dtype(), ", ", g.device());
    TESSEL_CHECK(p.is_contiguous() && g.is_contiguous(), op, ": parameter ", i,
                 " or its gradient is not contiguous");
    TESSEL_CHECK(state[i].size() == buffers, op, ": parameter ", i, " has ", state[i].size(),
                 " state buffers, the update reads ", buffers);
    OptimTensor t{p.data_ptr(), g.data_ptr(), {}, p.numel(), 0};
    DType st = p.dtype() == DType::F16 || p.dtype() == DType::BF16 ? DType::F32 : p.dtype();
    for (size_t k = 0; k < buffers; ++k) {
      const Tensor& b = state[i][k];
      TESSEL_CHECK(b.sizes() == p.sizes() && b.dtype() == st && b.device() == p.device() &&
                       b.is_contiguous(),
                   op, ": state buffer ", k, " of parameter ", i, " must be a contiguous ", st,
                   " tensor of shape ", shape_str(p.sizes()), " on ", p.device(), ", got ",
                   shape_str(b.sizes()), ", ", b.dtype(), " on ", b.device());
      t.state[k] = b.data_ptr();
    }
    table.push_back(t);
  }
  return table;
}

// Runs `step(ctx, dtype, table, n, chunks)` with the table where the device reads it.
template <typename Step>
void run(const std::vector<Tensor>& params, std::vector<OptimTensor>& table, OptimTable& cache,
         const Step& step) {
  if (params.empty()) return;
  int64_t n = int64_t(table.size());
  int64_t chunks = kernels::plan_optim_chunks(table.data(), n);
  Device device = params[0].device();
  const OptimTensor* where = table.data();
  if (device.is_cuda()) {
    std::vector<uint8_t> bytes(table.size() * sizeof(OptimTensor));
    std::memcpy(bytes.data(), table.data(), bytes.size());
    where = static_cast<const OptimTensor*>(cache.upload(bytes, device));
  }
  on_device(device, [&](const auto& ctx) { step(ctx, params[0].dtype(), where, n, chunks); });
}

}  // namespace

const void* OptimTable::upload(const std::vector<uint8_t>& entries, Device device) {
  if (entries != host_ || !device_.defined() || device_.device() != device) {
    host_ = entries;
    device_ = from_vector(host_, {int64_t(host_.size())}, {DType::U8}).to(device);
  }
  return device_.data_ptr();
}

void sgd_step_(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
               const std::vector<std::vector<Tensor>>& state, const SgdStep& o,
               OptimTable& table) {
  const char* op = "sgd_step_";
  TESSEL_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0), op,
               ": nesterov needs momentum > 0 and dampening 0, got momentum ", o.momentum,
               " and dampening ", o.dampening);
  std::vector<OptimTensor> t = table_of(op, params, grads, state, o.momentum == 0 ? 0 : 1);
  kernels::SgdHyper h{o.lr, o.weight_decay, o.momentum, o.dampening, o.nesterov, o.step == 1};
  run(params, t, table, [&](const auto& ctx, DType type, const OptimTensor* at, int64_t n,
                            int64_t chunks) { kernels::sgd_step(ctx, type, h, at, n, chunks); });
}

void adam_step_(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                const std::vector<std::vector<Tensor>>& state, const AdamStep& o,
                OptimTable& table) {
  const char* op = "adam_step_";
  TESSEL_CHECK(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1, op, ": betas (",
               o.beta1, ", ", o.beta2, ") outside [0, 1)");
  TESSEL_CHECK(o.partial > 0 && o.partial <= 0.5, op, ": partial ", o.partial,
               " outside (0, 0.5]");
  std::vector<OptimTensor> t = table_of(op, params, grads, state, o.amsgrad ? 3 : 2);
  double s = double(o.step);
  kernels::AdamHyper h{o.lr,        o.weight_decay, o.beta1,
                       o.beta2,     o.eps,          o.partial,
                       o.amsgrad,   o.decoupled,    1 - std::pow(o.beta1, s),
                       1 - std::pow(o.beta2, s)};
  run(params, t, table, [&](const auto& ctx, DType type, const OptimTensor* at, int64_t n,
                            int64_t chunks) { kernels::adam_step(ctx, type, h, at, n, chunks); });
}

}  // namespace tessel
