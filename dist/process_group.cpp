#include "dist/process_group.h"

#include <net/if.h>
#include <unistd.h>

#include <cstdlib>

#include "core/error.h"

namespace tessel::dist {

const char* reduce_op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum:
      return "sum";
    case ReduceOp::Avg:
      return "avg";
    case ReduceOp::Max:
      return "max";
    case ReduceOp::Min:
      return "min";
  }
  return "?";
}

void ProcessGroup::check_tensor(const char* collective, const char* arg, const Tensor& t,
                                ReduceOp op) const {
  TESSEL_CHECK(t.defined(), "dist ", collective, ": '", arg, "' is an undefined tensor");
  TESSEL_CHECK(t.is_contiguous(), "dist ", collective, ": '", arg,
               "' must be contiguous (call .contiguous() first)");
  TESSEL_CHECK(t.device() == device_, "dist ", collective, ": '", arg, "' is on ", t.device(),
               " but this ", backend(), " group works on ", device_);
  TESSEL_CHECK(op != ReduceOp::Avg || is_floating(t.dtype()), "dist ", collective, ": avg of '",
               arg, "' needs a floating dtype, not ", t.dtype(), " (use sum)");
}

void ProcessGroup::check_pair(const char* collective, const Tensor& big,
                              const Tensor& small) const {
  TESSEL_CHECK(big.dtype() == small.dtype(), "dist ", collective, ": dtypes ", big.dtype(), " and ",
               small.dtype(), " differ");
  TESSEL_CHECK(big.numel() == small.numel() * size_, "dist ", collective, ": ", big.numel(),
               " elements is not ", size_, " ranks x ", small.numel());
}

WorkPtr ProcessGroup::allreduce(const Tensor& t, ReduceOp op) {
  check_tensor("allreduce", "t", t, op);
  return run_allreduce(t, op);
}

WorkPtr ProcessGroup::broadcast(const Tensor& t, int root) {
  check_tensor("broadcast", "t", t);
  TESSEL_CHECK(root >= 0 && root < size_, "dist broadcast: root ", root, " outside ", size_,
               " ranks");
  return run_broadcast(t, root);
}

WorkPtr ProcessGroup::allgather(const Tensor& out, const Tensor& in) {
  check_tensor("allgather", "out", out);
  check_tensor("allgather", "in", in);
  check_pair("allgather", out, in);
  return run_allgather(out, in);
}

WorkPtr ProcessGroup::reduce_scatter(const Tensor& out, const Tensor& in, ReduceOp op) {
  check_tensor("reduce_scatter", "out", out, op);
  check_tensor("reduce_scatter", "in", in, op);
  check_pair("reduce_scatter", in, out);
  return run_reduce_scatter(out, in, op);
}

WorkPtr ProcessGroup::barrier() {
  return run_barrier();
}

void wait_for_all_ranks(TcpStore& store, int rank, int size, std::chrono::milliseconds timeout) {
  char host[256] = "?";
  ::gethostname(host, sizeof host - 1);
  std::string me = std::string(host) + " pid " + std::to_string(::getpid());
  store.set("rendezvous/rank/" + std::to_string(rank), std::vector<char>(me.begin(), me.end()));
  std::vector<std::string> keys;
  for (int r = 0; r < size; ++r) keys.push_back("rendezvous/rank/" + std::to_string(r));
  auto missing = store.wait_for(keys, timeout);
  if (missing.empty()) return;
  std::string ranks;
  for (auto& k : missing) ranks += (ranks.empty() ? "" : ", ") + k.substr(k.rfind('/') + 1);
  TESSEL_FAIL("dist: rank", missing.size() > 1 ? "s " : " ", ranks, " of ", size,
              " never reached the rendezvous within ", timeout.count() / 1000.0,
              " s (not started, crashed, or given another MASTER_ADDR/MASTER_PORT)");
}

std::shared_ptr<TcpStore> rendezvous(const LaunchEnv& env, std::chrono::milliseconds timeout) {
  auto store = std::make_shared<TcpStore>(env.master_addr, env.master_port, env.rank == 0, timeout);
  wait_for_all_ranks(*store, env.rank, env.world_size, timeout);
  return store;
}

namespace {
bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}
}  // namespace

std::shared_ptr<ProcessGroup> new_group(const std::shared_ptr<TcpStore>& store,
                                        const LaunchEnv& env, Device device,
                                        const GroupOptions& options) {
  if (device.is_cuda())
    return new_nccl_group(store, store->new_prefix("nccl"), env.rank, env.world_size, device.index,
                          options.timeout);
  std::string interface = options.gloo_interface;
  if (interface.empty() && std::getenv("GLOO_SOCKET_IFNAME"))
    interface = std::getenv("GLOO_SOCKET_IFNAME");
  if (interface.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    interface = is_loopback(env.master_addr) ? "127.0.0.1" : host;
  }
  return new_gloo_group(store, store->new_prefix("gloo"), env.rank, env.world_size, interface,
                        options.timeout);
}

}  // namespace tessel::dist
