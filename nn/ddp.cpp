#include "nn/ddp.h"

#include "core/error.h"
#include "engine/ops/shape.h"

namespace tessel::nn {

DistributedDataParallel::DistributedDataParallel(std::shared_ptr<Module> module,
                                                 std::shared_ptr<dist::ProcessGroup> group,
                                                 DdpOptions options)
    : module_(std::move(module)), group_(std::move(group)), options_(options) {
  TESSEL_CHECK(module_ && group_,
               "DistributedDataParallel: a module and a process group are needed");
  TESSEL_CHECK(options_.bucket_bytes > 0 && options_.last_bucket_bytes > 0,
               "DistributedDataParallel: bucket_bytes and last_bucket_bytes must be > 0");
  // Every rank starts from rank 0's state.
  {
    NoGradGuard no_grad;
    std::vector<dist::WorkPtr> works;
    for (auto& [name, t] : module_->named_parameters()) {
      TESSEL_CHECK(t.is_contiguous(), "DistributedDataParallel: parameter '", name,
                   "' is not contiguous");
      works.push_back(group_->broadcast(t.detach(), 0));
    }
    if (options_.broadcast_buffers)
      for (auto& [name, t] : module_->named_buffers())
        if (t.defined()) works.push_back(group_->broadcast(t.detach().contiguous(), 0));
    for (auto& w : works) w->wait();
  }
  // Buckets of one dtype each, filled from the first layers (so the last one reduced is the
  // small one), then put in reduction order: reverse registration order throughout.
  for (auto& [name, t] : module_->named_parameters())
    if (t.requires_grad()) params_.push_back({name, t});
  std::vector<std::vector<size_t>> groups;
  int64_t bytes = 0;
  for (size_t k = 0; k < params_.size(); ++k) {
    const Tensor& t = params_[k].tensor;
    int64_t nbytes = t.numel() * static_cast<int64_t>(element_size(t.dtype()));
    int64_t cap = groups.size() <= 1 ? options_.last_bucket_bytes : options_.bucket_bytes;
    if (groups.empty() || bytes + nbytes > cap ||
        params_[groups.back().front()].tensor.dtype() != t.dtype()) {
      groups.emplace_back();
      bytes = 0;
    }
    groups.back().push_back(k);
    bytes += nbytes;
  }
  for (auto g = groups.rbegin(); g != groups.rend(); ++g) {
    Bucket& b = buckets_.emplace_back();
    int64_t offset = 0;
    for (auto k = g->rbegin(); k != g->rend(); ++k) {
      params_[*k].bucket = buckets_.size() - 1;
      params_[*k].offset = offset;
      offset += params_[*k].tensor.numel();
      b.params.push_back(*k);
    }
  }
  for (Bucket& b : buckets_) {
    const Tensor& first = params_[b.params.front()].tensor;
    int64_t n = 0;
    for (size_t q : b.params) n += params_[q].tensor.numel();
    b.flat = zeros({n}, TensorOptions(first.dtype(), first.device()));
  }
  for (size_t k = 0; k < params_.size(); ++k)
    hooks_.push_back(add_post_accumulate_hook(params_[k].tensor, [this, k] { on_gradient(k); }));
  reset();
}

DistributedDataParallel::~DistributedDataParallel() {
  for (Bucket& b : buckets_)  // a collective still reading the buffers must end first
    if (b.work) {
      try {
        b.work->wait();
      } catch (const std::exception&) {
        // The failure was (or will be) reported where the gradients were needed.
      }
    }
}

std::vector<std::vector<std::string>> DistributedDataParallel::bucket_names() const {
  std::vector<std::vector<std::string>> out;
  for (const Bucket& b : buckets_) {
    out.emplace_back();
    for (size_t q : b.params) out.back().push_back(params_[q].name);
  }
  return out;
}

void DistributedDataParallel::reset() {
  for (Param& p : params_) p.ready = false;
  for (Bucket& b : buckets_) {
    b.waiting = b.params.size();
    b.work = nullptr;
  }
  next_bucket_ = 0;
  in_backward_ = false;
}

void DistributedDataParallel::on_gradient(size_t k) {
  if (!sync_) return;
  if (!in_backward_) {
    in_backward_ = true;
    queue_backward_callback([this] { finish(); });
  }
  Param& p = params_[k];
  if (p.ready) return;  // one gradient per parameter per backward
  p.ready = true;
  Bucket& b = buckets_[p.bucket];
  b.flat.narrow(0, p.offset, p.tensor.numel()).copy_(p.tensor.grad().reshape({-1}));
  --b.waiting;
  start_ready_buckets();
}

void DistributedDataParallel::start_ready_buckets() {
  while (next_bucket_ < buckets_.size() && buckets_[next_bucket_].waiting == 0) {
    Bucket& b = buckets_[next_bucket_++];
    b.work = group_->allreduce(b.flat, dist::ReduceOp::Avg);
  }
}

void DistributedDataParallel::finish() {
  struct Reset {  // also after an error, so the next step starts clean
    DistributedDataParallel& ddp;
    ~Reset() { ddp.reset(); }
  } reset_after{*this};
  std::string unused;
  for (Param& p : params_) {
    if (p.ready) continue;
    if (!options_.find_unused_parameters) {
      unused += (unused.empty() ? "" : ", ") + p.name;
      continue;
    }
    // Unused in this backward: what no_sync() steps accumulated, else zero, is this rank's
    // contribution to the average.
    Bucket& b = buckets_[p.bucket];
    Tensor slot = b.flat.narrow(0, p.offset, p.tensor.numel());
    if (p.tensor.grad().defined())
      slot.copy_(p.tensor.grad().reshape({-1}));
    else
      slot.copy_(zeros({1}, TensorOptions(b.flat.dtype(), b.flat.device())));
    p.ready = true;
    --b.waiting;
  }
  if (!unused.empty()) {
    for (Bucket& b : buckets_)
      if (b.work) b.work->wait();
    TESSEL_FAIL(
        "DistributedDataParallel: these parameters got no gradient in this backward: ", unused,
        ". Every rank must use every parameter, or set find_unused_parameters "
        "(train.find_unused_parameters in a recipe)");
  }
  start_ready_buckets();
  for (Param& p : params_) {
    Bucket& b = buckets_[p.bucket];
    b.work->wait();
    Tensor avg = b.flat.narrow(0, p.offset, p.tensor.numel()).view(p.tensor.sizes());
    Tensor g = p.tensor.grad();
    if (g.defined())
      g.copy_(avg);
    else
      p.tensor.set_grad(avg.clone());
  }
  if (options_.broadcast_buffers) {
    std::vector<dist::WorkPtr> works;
    for (auto& [name, t] : module_->named_buffers())
      if (t.defined()) works.push_back(group_->broadcast(t, 0));
    for (auto& w : works) w->wait();
  }
}

}  // namespace tessel::nn
