// Data-parallel training, after torch.nn.parallel.DistributedDataParallel: every rank holds the
// whole model and a shard of each batch; after backward every rank holds the gradients averaged
// over all ranks, so the optimizer steps stay identical everywhere.
//
//   auto group = dist::new_group(store, env, device);
//   nn::DistributedDataParallel ddp(model, group);  // rank 0's parameters and buffers to all
//   loss(model->forward(x), y).backward();          // gradients averaged when backward returns
//   optimizer.step();
//
// Attached to the module rather than wrapping it, so models keep their own forward methods
// (several heads, several inputs). Parameters are grouped into buckets of about
// bucket_bytes (the last one last_bucket_bytes), reduced in reverse registration order (roughly
// the order backward finishes them); a
// bucket's averaging starts as soon as its last gradient is final (a post-accumulate hook), so
// communication overlaps the rest of backward. Buckets are always started in the same order on
// every rank. When backward ends, the buckets are waited for, the averages written back into the
// .grad tensors and, with broadcast_buffers, rank 0's buffers (BatchNorm's running statistics)
// copied to every rank.
//
// A parameter that got no gradient in a backward is an error naming it, unless
// find_unused_parameters is set: then it counts as a zero gradient on this rank. Inside
// no_sync() backward only accumulates locally; the next synchronised backward averages the sum.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dist/process_group.h"
#include "engine/autograd.h"
#include "nn/module.h"

namespace tessel::nn {

struct DdpOptions {
  int64_t bucket_bytes = 25 << 20;  // torch's bucket_cap_mb = 25
  // The bucket reduced last holds the first layers, whose gradients are final only when backward
  // ends: a small one leaves little communication after backward (torch caps it at 1 MB too).
  int64_t last_bucket_bytes = 1 << 20;
  bool find_unused_parameters = false;
  bool broadcast_buffers = true;
};

class DistributedDataParallel {
 public:
  DistributedDataParallel(std::shared_ptr<Module> module, std::shared_ptr<dist::ProcessGroup> group,
                          DdpOptions options = {});
  ~DistributedDataParallel();
  DistributedDataParallel(const DistributedDataParallel&) = delete;
  DistributedDataParallel& operator=(const DistributedDataParallel&) = delete;

  Module& module() { return *module_; }
  dist::ProcessGroup& group() { return *group_; }
  // The parameter names in each bucket, in the order buckets are reduced.
  std::vector<std::vector<std::string>> bucket_names() const;

  // While alive, backward accumulates gradients on this rank only.
  class NoSync {
   public:
    explicit NoSync(DistributedDataParallel& ddp) : ddp_(ddp), previous_(ddp.sync_) {
      ddp.sync_ = false;
    }
    ~NoSync() { ddp_.sync_ = previous_; }
    NoSync(const NoSync&) = delete;
    NoSync& operator=(const NoSync&) = delete;

   private:
    DistributedDataParallel& ddp_;
    bool previous_;
  };
  [[nodiscard]] NoSync no_sync() { return NoSync(*this); }

 private:
  struct Param {
    std::string name;
    Tensor tensor;
    size_t bucket = 0;
    int64_t offset = 0;  // in the bucket's flat buffer, in elements
    bool ready = false;
  };
  struct Bucket {
    std::vector<size_t> params;
    Tensor flat;  // the gradients, end to end, averaged in place
    size_t waiting = 0;
    dist::WorkPtr work;
  };

  void on_gradient(size_t p);
  void start_ready_buckets();
  void finish();
  void reset();

  std::shared_ptr<Module> module_;
  std::shared_ptr<dist::ProcessGroup> group_;
  DdpOptions options_;
  std::vector<Param> params_;
  std::vector<Bucket> buckets_;
  std::vector<GradHook> hooks_;
  size_t next_bucket_ = 0;  // buckets before it have been started, in order
  bool in_backward_ = false;
  bool sync_ = true;
};

}  // namespace tessel::nn
