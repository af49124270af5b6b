// The CPU backend: Gloo's collectives over its TCP transport, one worker thread per group so
// collectives run in issue order (the order every rank agrees on) while the caller goes on.
#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/store.h>
#include <gloo/transport/tcp/device.h>
#include <net/if.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <thread>

#include "core/error.h"
#include "dist/process_group.h"

namespace tessel::dist {
namespace {

// Gloo's rendezvous reads and writes our store, under the group's prefix.
class GlooStore : public gloo::rendezvous::Store {
 public:
  GlooStore(TcpStore& store, std::string prefix) : store_(store), prefix_(std::move(prefix)) {}
  void set(const std::string& key, const std::vector<char>& data) override {
    store_.set(prefix_ + key, data);
  }
  std::vector<char> get(const std::string& key) override { return store_.get(prefix_ + key); }
  void wait(const std::vector<std::string>& keys) override { wait(keys, store_.timeout()); }
  void wait(const std::vector<std::string>& keys,
            const std::chrono::milliseconds& timeout) override {
    std::vector<std::string> full;
    for (auto& k : keys) full.push_back(prefix_ + k);
    auto missing = store_.wait_for(full, timeout);
    TESSEL_CHECK(missing.empty(), "dist: Gloo's rendezvous key '",
                 missing.empty() ? "" : missing[0],
                 "' never arrived (a rank of the group did not create it)");
  }

 private:
  TcpStore& store_;
  std::string prefix_;
};

// out[i] = op(a[i], b[i]); 16-bit floats are combined in f32.
template <typename T>
void combine(ReduceOp op, T* out, const T* a, const T* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<T, bool>) {
      out[i] = op == ReduceOp::Min ? (a[i] && b[i]) : (a[i] || b[i]);
    } else {
      using A = typename AccType<T>::type;
      A x = static_cast<A>(a[i]), y = static_cast<A>(b[i]);
      A r = op == ReduceOp::Max ? (x > y ? x : y) : op == ReduceOp::Min ? (x < y ? x : y) : x + y;
      out[i] = static_cast<T>(r);
    }
  }
}

size_t bytes_of(const Tensor& t) {
  return static_cast<size_t>(t.numel()) * element_size(t.dtype());
}

class QueuedWork : public Work {
 public:
  explicit QueuedWork(std::shared_future<void> done) : done_(std::move(done)) {}
  void wait() override { done_.get(); }
  bool completed() override {
    return done_.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }

 private:
  std::shared_future<void> done_;
};

class GlooGroup : public ProcessGroup {
 public:
  GlooGroup(TcpStore& store, const std::string& prefix, int rank, int size,
            const std::string& interface, std::chrono::milliseconds timeout)
      : ProcessGroup(rank, size, kCPU), timeout_(timeout) {
    gloo::transport::tcp::attr attr;
    if (::if_nametoindex(interface.c_str()) != 0)
      attr.iface = interface;
    else
      attr.hostname = interface;
    try {
      device_ = gloo::transport::tcp::CreateDevice(attr);
      auto context = std::make_shared<gloo::rendezvous::Context>(rank, size);
      context->setTimeout(timeout);
      GlooStore glue(store, prefix);
      context->connectFullMesh(glue, device_);
      context_ = context;
    } catch (const std::exception& e) {
      TESSEL_FAIL("dist: rank ", rank, " could not connect its Gloo group (", size,
                  " ranks, interface or host '", interface, "'): ", e.what());
    }
    worker_ = std::thread([this] { run(); });
  }

  ~GlooGroup() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    worker_.join();
  }

  const char* backend() const override { return "gloo"; }

  WorkPtr run_allreduce(const Tensor& t, ReduceOp op) override {
    return enqueue("allreduce", [this, t, op](uint32_t tag) { reduce_in_place(t, op, tag); });
  }

  WorkPtr run_broadcast(const Tensor& t, int root) override {
    return enqueue("broadcast", [this, t, root](uint32_t tag) {
      if (t.numel() == 0) return;
      gloo::BroadcastOptions opts(context_);
      opts.setOutput(static_cast<uint8_t*>(t.data_ptr()), bytes_of(t));
      opts.setRoot(root);
      opts.setTag(tag);
      opts.setTimeout(timeout_);
      gloo::broadcast(opts);
    });
  }

  WorkPtr run_allgather(const Tensor& out, const Tensor& in) override {
    return enqueue("allgather", [this, out, in](uint32_t tag) {
      if (in.numel() == 0) return;
      gloo::AllgatherOptions opts(context_);
      opts.setInput(static_cast<uint8_t*>(in.data_ptr()), bytes_of(in));
      opts.setOutput(static_cast<uint8_t*>(out.data_ptr()), bytes_of(out));
      opts.setTag(tag);
      opts.setTimeout(timeout_);
      gloo::allgather(opts);
    });
  }

  // Debian's Gloo 0.5 has reduce-scatter only as an algorithm object bound to fixed buffers at
  // construction; an allreduce of a copy (twice the bytes on the wire) keeps one code path.
  WorkPtr run_reduce_scatter(const Tensor& out, const Tensor& in, ReduceOp op) override {
    return enqueue("reduce_scatter", [this, out, in, op](uint32_t tag) {
      Tensor all = in.clone();
      reduce_in_place(all, op, tag);
      std::memcpy(out.data_ptr(), static_cast<char*>(all.data_ptr()) + rank() * bytes_of(out),
                  bytes_of(out));
    });
  }

  WorkPtr run_barrier() override {
    return enqueue("barrier", [this](uint32_t tag) {
      gloo::BarrierOptions opts(context_);
      opts.setTag(tag);
      opts.setTimeout(timeout_);
      gloo::barrier(opts);
    });
  }

 private:
  void reduce_in_place(const Tensor& t, ReduceOp op, uint32_t tag) {
    if (t.numel() == 0) return;
    dispatch_all(t.dtype(), "dist allreduce", [&](auto tag_type) {
      using T = typename decltype(tag_type)::type;
      gloo::AllreduceOptions opts(context_);
      opts.setOutput(t.data<T>(), static_cast<size_t>(t.numel()));
      opts.setReduceFunction([op](void* o, const void* a, const void* b, size_t n) {
        combine(op, static_cast<T*>(o), static_cast<const T*>(a), static_cast<const T*>(b), n);
      });
      opts.setTag(tag);
      opts.setTimeout(timeout_);
      gloo::allreduce(opts);
      if constexpr (!std::is_same_v<T, bool> && !std::is_integral_v<T>) {
        if (op == ReduceOp::Avg) {
          using A = typename AccType<T>::type;
          T* p = t.data<T>();
          for (int64_t i = 0; i < t.numel(); ++i)
            p[i] = static_cast<T>(static_cast<A>(p[i]) / static_cast<A>(size()));
        }
      }
    });
  }

  using Job = std::function<void(uint32_t tag)>;

  WorkPtr enqueue(const char* what, Job job) {
    auto promise = std::make_shared<std::promise<void>>();
    auto work = std::make_shared<QueuedWork>(promise->get_future().share());
    {
      std::lock_guard lock(mutex_);
      TESSEL_CHECK(broken_.empty(), "dist ", what,
                   ": the Gloo group is unusable after an earlier "
                   "failure: ",
                   broken_);
      queue_.push_back([this, what, job = std::move(job), promise](uint32_t tag) {
        try {
          job(tag);
          promise->set_value();
        } catch (const std::exception& e) {
          std::string why = std::string("dist ") + what + " on rank " + std::to_string(rank()) +
                            " of " + std::to_string(size()) + " failed: " + e.what() +
                            " (a rank died, hung past the " +
                            std::to_string(timeout_.count() / 1000.0) +
                            " s timeout, or issued other collectives)";
          {
            std::lock_guard lock(mutex_);
            broken_ = why;
          }
          promise->set_exception(std::make_exception_ptr(Error(why)));
        }
      });
    }
    wake_.notify_one();
    return work;
  }

  void run() {
    uint32_t tag = 0;
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything issued has run
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job(tag++);
    }
  }

  std::chrono::milliseconds timeout_;
  std::shared_ptr<gloo::transport::Device> device_;
  std::shared_ptr<gloo::Context> context_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::string broken_;
  std::thread worker_;
};

}  // namespace

std::shared_ptr<ProcessGroup> new_gloo_group(const std::shared_ptr<TcpStore>& store,
                                             const std::string& prefix, int rank, int size,
                                             const std::string& interface,
                                             std::chrono::milliseconds timeout) {
  return std::make_shared<GlooGroup>(*store, prefix, rank, size, interface, timeout);
}

}  // namespace tessel::dist
