// Process groups: collectives across the ranks of a job, on the libraries PyTorch uses (no
// collective algorithm of our own): Gloo for CPU tensors (gloo_group.cpp), NCCL for CUDA tensors
// (nccl_group.cpp). Every rank must issue the same collectives in the same order, as in
// torch.distributed.
//
//   auto env = dist::read_launch_env();              // RANK, WORLD_SIZE, ... (launch_env.h)
//   auto store = dist::rendezvous(env, timeout);     // every rank arrived, or an error naming
//   auto group = dist::new_group(store, env, kCPU);  //   the ranks that did not
//   group->allreduce(grad, dist::ReduceOp::Avg)->wait();
//
// Collectives return at once with a Work handle. On the CPU a worker thread runs them in issue
// order; wait() blocks until done and rethrows the error. On CUDA they run on the group's own
// stream, ordered after the work queued on Tessel's stream so far by an event; wait() orders
// Tessel's later work after them without blocking the host. Tensors must be contiguous and stay
// untouched until wait() (the handle keeps them alive).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "dist/launch_env.h"
#include "dist/tcp_store.h"
#include "engine/tensor.h"

namespace tessel::dist {

enum class ReduceOp : uint8_t { Sum, Avg, Max, Min };
const char* reduce_op_name(ReduceOp op);

class Work {
 public:
  virtual ~Work() = default;
  virtual void wait() = 0;
  virtual bool completed() = 0;
};
using WorkPtr = std::shared_ptr<Work>;

inline constexpr std::chrono::milliseconds kDefaultTimeout{300'000};

struct GroupOptions {
  // A collective that does not finish in this time (a rank died or hung) fails with an error.
  std::chrono::milliseconds timeout = kDefaultTimeout;
  // Gloo: the network interface or host name its TCP pairs bind to. Empty: GLOO_SOCKET_IFNAME
  // when set, else 127.0.0.1 when rank 0 is on this machine's loopback, else this host's name.
  std::string gloo_interface;
};

class ProcessGroup {
 public:
  ProcessGroup(int rank, int size, Device device) : rank_(rank), size_(size), device_(device) {}
  virtual ~ProcessGroup() = default;
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  Device device() const { return device_; }
  virtual const char* backend() const = 0;

  // In place: every rank ends with the reduction of everyone's `t`. Avg is for floating dtypes.
  WorkPtr allreduce(const Tensor& t, ReduceOp op = ReduceOp::Sum);
  // In place: every rank ends with rank `root`'s `t`.
  WorkPtr broadcast(const Tensor& t, int root);
  // out.numel() == size() * in.numel(): rank r's `in` lands at out's flat offset r * in.numel().
  WorkPtr allgather(const Tensor& out, const Tensor& in);
  // in.numel() == size() * out.numel(): rank r gets the reduction of everyone's block r of `in`.
  WorkPtr reduce_scatter(const Tensor& out, const Tensor& in, ReduceOp op = ReduceOp::Sum);
  WorkPtr barrier();

 protected:
  // The backends' halves of the collectives above, called with arguments already checked.
  virtual WorkPtr run_allreduce(const Tensor& t, ReduceOp op) = 0;
  virtual WorkPtr run_broadcast(const Tensor& t, int root) = 0;
  virtual WorkPtr run_allgather(const Tensor& out, const Tensor& in) = 0;
  virtual WorkPtr run_reduce_scatter(const Tensor& out, const Tensor& in, ReduceOp op) = 0;
  virtual WorkPtr run_barrier() = 0;

 private:
  // Throw naming the collective and the argument unless t is defined, contiguous, on this
  // group's device and of a dtype `op` supports; and unless big holds size() x small.
  void check_tensor(const char* collective, const char* arg, const Tensor& t,
                    ReduceOp op = ReduceOp::Sum) const;
  void check_pair(const char* collective, const Tensor& big, const Tensor& small) const;

  int rank_;
  int size_;
  Device device_;
};

// Connects to the job's store (rank 0 serves it at MASTER_ADDR:MASTER_PORT) and waits until
// every rank has arrived; the error after `timeout` names the ranks that never did.
std::shared_ptr<TcpStore> rendezvous(const LaunchEnv& env,
                                     std::chrono::milliseconds timeout = kDefaultTimeout);
// rendezvous()'s second half on a connected store: announces `rank` and waits for all `size`.
void wait_for_all_ranks(TcpStore& store, int rank, int size, std::chrono::milliseconds timeout);

// A group of all ranks for tensors on `device`: Gloo for the CPU, NCCL for a CUDA device. Groups
// made in the same order on every rank get matching keys in the store.
std::shared_ptr<ProcessGroup> new_group(const std::shared_ptr<TcpStore>& store,
                                        const LaunchEnv& env, Device device,
                                        const GroupOptions& options = {});

// The backends (new_group picks one). `prefix` keeps their keys apart in the store.
std::shared_ptr<ProcessGroup> new_gloo_group(const std::shared_ptr<TcpStore>& store,
                                             const std::string& prefix, int rank, int size,
                                             const std::string& interface,
                                             std::chrono::milliseconds timeout);
std::shared_ptr<ProcessGroup> new_nccl_group(const std::shared_ptr<TcpStore>& store,
                                             const std::string& prefix, int rank, int size,
                                             int device, std::chrono::milliseconds timeout);

}  // namespace tessel::dist
