// The CUDA backend: NCCL's collectives on a stream of the group's own, ordered against Tessel's
// stream by events (no device-wide synchronisation). A watchdog thread releases each
// collective's tensors once its event has completed, and aborts the communicator when one runs
// past the timeout, so a dead or hung rank turns into an error instead of a hang.
#include <cuda_runtime.h>
#include <nccl.h>

#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <optional>
#include <thread>

#include "core/cuda_check.h"
#include "dist/process_group.h"
#include "engine/cuda/context.h"

#define TESSEL_NCCL_CHECK(expr)                                                     \
  do {                                                                              \
    ncclResult_t tessel_nccl_ = (expr);                                             \
    if (tessel_nccl_ != ncclSuccess)                                                \
      ::tessel::detail::throw_error(__FILE__, __LINE__, "NCCL error: ", #expr,      \
                                    " failed: ", ncclGetErrorString(tessel_nccl_)); \
  } while (0)

namespace tessel::dist {
namespace {

ncclDataType_t nccl_type(DType t) {
  switch (t) {
    case DType::F32:
      return ncclFloat32;
    case DType::F64:
      return ncclFloat64;
    case DType::F16:
      return ncclFloat16;
    case DType::BF16:
      return ncclBfloat16;
    case DType::I32:
      return ncclInt32;
    case DType::I64:
      return ncclInt64;
    case DType::U8:
    case DType::Bool:
      return ncclUint8;
  }
  TESSEL_FAIL("dist nccl: dtype ", t, " is not supported");
}

ncclRedOp_t nccl_op(ReduceOp op, DType t) {
  if (t == DType::Bool) return op == ReduceOp::Min ? ncclMin : ncclMax;  // or / and
  switch (op) {
    case ReduceOp::Sum:
      return ncclSum;
    case ReduceOp::Avg:
      return ncclAvg;
    case ReduceOp::Max:
      return ncclMax;
    case ReduceOp::Min:
      return ncclMin;
  }
  return ncclSum;
}

// Owns a CUDA event or stream: made by the constructor's call, destroyed at scope end.
template <typename H, cudaError_t (*Destroy)(H)>
class CudaOwned {
 public:
  template <typename Create>
  explicit CudaOwned(Create create) {
    TESSEL_CUDA_CHECK(create(&h_));
  }
  ~CudaOwned() { TESSEL_CUDA_WARN(Destroy(h_)); }
  CudaOwned(const CudaOwned&) = delete;
  CudaOwned& operator=(const CudaOwned&) = delete;
  H get() const { return h_; }

 private:
  H h_ = nullptr;
};

struct Event : CudaOwned<cudaEvent_t, cudaEventDestroy> {
  Event()
      : CudaOwned(
            [](cudaEvent_t* e) { return cudaEventCreateWithFlags(e, cudaEventDisableTiming); }) {}
};

struct Stream : CudaOwned<cudaStream_t, cudaStreamDestroy> {
  Stream()
      : CudaOwned(
            [](cudaStream_t* s) { return cudaStreamCreateWithFlags(s, cudaStreamNonBlocking); }) {}
};

// A communicator: destroyed at the end unless abort() (the watchdog's) has already freed it.
class Comm {
 public:
  Comm(int size, const ncclUniqueId& id, int rank) {
    TESSEL_NCCL_CHECK(ncclCommInitRank(&c_, size, id, rank));
  }
  ~Comm() {
    if (aborted_) return;
    if (ncclResult_t r = ncclCommDestroy(c_); r != ncclSuccess)
      std::fprintf(stderr, "tessel warning: ncclCommDestroy failed: %s\n", ncclGetErrorString(r));
  }
  Comm(const Comm&) = delete;
  Comm& operator=(const Comm&) = delete;
  ncclComm_t get() const { return c_; }
  bool aborted() const { return aborted_; }
  void abort() {
    ncclCommAbort(c_);
    aborted_ = true;
  }

 private:
  ncclComm_t c_ = nullptr;
  bool aborted_ = false;
};

// What the watchdog and the caller share about one collective.
struct Pending {
  std::string what;
  Event done;
  Clock::time_point started = Clock::now();
  std::vector<Tensor> tensors;  // released once `done` has completed on the device
};

class NcclGroup;

class NcclWork : public Work {
 public:
  NcclWork(std::shared_ptr<NcclGroup> group, std::shared_ptr<Pending> p)
      : group_(std::move(group)), p_(std::move(p)) {}
  void wait() override;
  bool completed() override { return cudaEventQuery(p_->done.get()) == cudaSuccess; }

 private:
  std::shared_ptr<NcclGroup> group_;  // a Work may outlive the caller's handle to its group
  std::shared_ptr<Pending> p_;
};

class NcclGroup : public ProcessGroup, public std::enable_shared_from_this<NcclGroup> {
 public:
  NcclGroup(TcpStore& store, const std::string& prefix, int rank, int size, int device,
            std::chrono::milliseconds timeout)
      : ProcessGroup(rank, size, cuda_device(device)), timeout_(timeout) {
    cuda::DeviceGuard guard(device);
    ncclUniqueId id;
    if (rank == 0) {
      TESSEL_NCCL_CHECK(ncclGetUniqueId(&id));
      store.set(prefix + "id", std::vector<char>(id.internal, id.internal + sizeof id.internal));
    } else {
      auto bytes = store.get(prefix + "id");
      TESSEL_CHECK(bytes.size() == sizeof id.internal, "dist nccl: the unique id from rank 0 has ",
                   bytes.size(), " bytes, expected ", sizeof id.internal);
      std::memcpy(id.internal, bytes.data(), bytes.size());
    }
    stream_.emplace();
    comm_.emplace(size, id, rank);
    watchdog_ = std::thread([this] { watch(); });
  }

  ~NcclGroup() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    watchdog_.join();
    cuda::DeviceGuard guard(device().index);
    TESSEL_CUDA_WARN(cudaStreamSynchronize(stream_->get()));
    pending_.clear();
    comm_.reset();
    stream_.reset();
  }

  const char* backend() const override { return "nccl"; }

  WorkPtr run_allreduce(const Tensor& t, ReduceOp op) override {
    return launch("allreduce", {t}, [&] {
      return ncclAllReduce(t.data_ptr(), t.data_ptr(), t.numel(), nccl_type(t.dtype()),
                           nccl_op(op, t.dtype()), comm_->get(), stream_->get());
    });
  }

  WorkPtr run_broadcast(const Tensor& t, int root) override {
    return launch("broadcast", {t}, [&] {
      return ncclBroadcast(t.data_ptr(), t.data_ptr(), t.numel(), nccl_type(t.dtype()), root,
                           comm_->get(), stream_->get());
    });
  }

  WorkPtr run_allgather(const Tensor& out, const Tensor& in) override {
    return launch("allgather", {out, in}, [&] {
      return ncclAllGather(in.data_ptr(), out.data_ptr(), in.numel(), nccl_type(in.dtype()),
                           comm_->get(), stream_->get());
    });
  }

  WorkPtr run_reduce_scatter(const Tensor& out, const Tensor& in, ReduceOp op) override {
    return launch("reduce_scatter", {out, in}, [&] {
      return ncclReduceScatter(in.data_ptr(), out.data_ptr(), out.numel(), nccl_type(in.dtype()),
                               nccl_op(op, in.dtype()), comm_->get(), stream_->get());
    });
  }

  // As torch's NCCL barrier: an allreduce of one element, waited for on the host.
  WorkPtr run_barrier() override {
    Tensor one = zeros({1}, TensorOptions(DType::I32, device()));
    auto work = allreduce(one, ReduceOp::Sum);
    work->wait();
    cuda::DeviceGuard guard(device().index);
    TESSEL_CUDA_CHECK(cudaStreamSynchronize(cuda::current_stream(device().index)));
    check_healthy("barrier");
    return work;
  }

  // Tessel's stream waits for the collective; throws when the group has failed.
  void order_after(const Pending& p) {
    check_healthy(p.what.c_str());
    cuda::DeviceGuard guard(device().index);
    TESSEL_CUDA_CHECK(cudaStreamWaitEvent(cuda::current_stream(device().index), p.done.get(), 0));
  }

 private:
  void check_healthy(const char* what) {
    std::lock_guard lock(mutex_);
    TESSEL_CHECK(broken_.empty(), "dist nccl ", what, ": the group failed: ", broken_);
    ncclResult_t async = ncclSuccess;
    if (!comm_->aborted()) TESSEL_NCCL_CHECK(ncclCommGetAsyncError(comm_->get(), &async));
    TESSEL_CHECK(async == ncclSuccess || async == ncclInProgress, "dist nccl ", what, " on rank ",
                 rank(), ": ", ncclGetErrorString(async));
  }

  template <typename Call>
  WorkPtr launch(const char* what, std::vector<Tensor> tensors, Call&& call) {
    check_healthy(what);
    cuda::DeviceGuard guard(device().index);
    auto p = std::make_shared<Pending>();
    p->what = what;
    p->tensors = std::move(tensors);
    Event ready;  // Tessel's work on these tensors so far, then the collective
    TESSEL_CUDA_CHECK(cudaEventRecord(ready.get(), cuda::current_stream(device().index)));
    TESSEL_CUDA_CHECK(cudaStreamWaitEvent(stream_->get(), ready.get(), 0));
    if (p->tensors[0].numel() > 0) TESSEL_NCCL_CHECK(call());
    TESSEL_CUDA_CHECK(cudaEventRecord(p->done.get(), stream_->get()));
    {
      std::lock_guard lock(mutex_);
      pending_.push_back(p);
    }
    wake_.notify_one();
    return std::make_shared<NcclWork>(shared_from_this(), p);
  }

  // Drops finished collectives' tensors; aborts the communicator when one is past the timeout.
  void watch() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::milliseconds(100));
      while (!pending_.empty()) {
        cudaError_t q = cudaEventQuery(pending_.front()->done.get());
        if (q == cudaSuccess) {
          pending_.front()->tensors.clear();
          pending_.pop_front();
          continue;
        }
        if (q == cudaErrorNotReady && Clock::now() - pending_.front()->started > timeout_ &&
            !comm_->aborted()) {
          broken_ = pending_.front()->what + " on rank " + std::to_string(rank()) + " of " +
                    std::to_string(size()) + " did not finish within " +
                    std::to_string(timeout_.count() / 1000.0) + " s (a rank died or hung)";
          std::fprintf(stderr, "tessel: dist nccl: %s; aborting the communicator\n",
                       broken_.c_str());
          comm_->abort();
        }
        break;
      }
    }
  }

  std::chrono::milliseconds timeout_;
  std::optional<Stream> stream_;  // made in the body, under the device guard; declared first so
  std::optional<Comm> comm_;      // the communicator goes before its stream
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Pending>> pending_;
  bool stopping_ = false;
  std::string broken_;
  std::thread watchdog_;
};

void NcclWork::wait() {
  group_->order_after(*p_);
}

}  // namespace

std::shared_ptr<ProcessGroup> new_nccl_group(const std::shared_ptr<TcpStore>& store,
                                             const std::string& prefix, int rank, int size,
                                             int device, std::chrono::milliseconds timeout) {
  TESSEL_CHECK(device >= 0 && device < cuda::device_count(), "dist nccl: cuda:", device,
               " does not exist (", cuda::device_count(), " CUDA devices)");
  return std::make_shared<NcclGroup>(*store, prefix, rank, size, device, timeout);
}

}  // namespace tessel::dist
