// Host buffers the loader collates batches into and recycles once the device has read them: a
// buffer goes back to the pool as soon as its copy is queued, with the fence of that copy, and is
// handed out again only after the fence has completed. Generic over the buffer and the fence so
// the rule is tested with fakes (the loader uses cuda::PinnedBuffer and cuda::CopyFence).
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace tessel::data {

template <typename Buffer, typename Fence>
class StagingPool {
 public:
  struct Staging {
    Buffer buffer;
    Fence fence;  // the copy that last read `buffer`; empty when none
  };

  // A buffer of at least `nbytes` that no copy still reads: a pooled one (its fence waited for)
  // or, when none is large enough, a new one made by make(nbytes).
  template <typename Make>
  std::unique_ptr<Staging> take(size_t nbytes, const Make& make) {
    std::unique_ptr<Staging> s;
    {
      std::lock_guard lock(mutex_);
      auto it = std::find_if(free_.begin(), free_.end(),
                             [&](const auto& f) { return f->buffer.nbytes() >= nbytes; });
      if (it != free_.end()) s = std::move(*it), free_.erase(it);
    }
    if (!s) return std::make_unique<Staging>(Staging{make(nbytes), Fence()});
    s->fence.wait();  // outside the lock: other workers take and give back meanwhile
    return s;
  }

  // Returns a buffer whose copy has been queued, its fence set to that copy's.
  void give_back(std::unique_ptr<Staging> s) {
    std::lock_guard lock(mutex_);
    free_.push_back(std::move(s));
  }

  size_t pooled() const {
    std::lock_guard lock(mutex_);
    return free_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Staging>> free_;
};

}  // namespace tessel::data
