// Page-locked ("pinned") host memory and the asynchronous host-to-device copy that needs it.
//
// A cudaMemcpyAsync from pageable memory is staged through a driver buffer and is synchronous
// with the host; from pinned memory it is a DMA the host does not wait for. The loader collates
// batches into pinned buffers and copies them on the device's copy stream (context.h), so the
// transfer of batch k+1 overlaps the compute of batch k. The handshake, per copy:
//
//   compute stream  --event A-->  copy stream   the destination blocks come from the caching
//                                               allocator on the compute stream; their previous
//                                               users may still be queued there
//   copy stream     --event B-->  compute stream  work queued on the compute stream after the
//                                               call sees the copied data
//   host            --B.wait()->  pinned buffer  the source may be overwritten once B completed
//
// Without a usable device (a CPU-only build, or no GPU) PinnedBuffer falls back to ordinary
// aligned host memory, so host-side code runs unchanged; only the copy needs a device.
#pragma once

#include <cstddef>
#include <span>
#include <utility>

struct CUevent_st;

namespace tessel::cuda {

class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  explicit PinnedBuffer(size_t nbytes);
  ~PinnedBuffer();
  PinnedBuffer(PinnedBuffer&& other) noexcept { *this = std::move(other); }
  PinnedBuffer& operator=(PinnedBuffer&& other) noexcept {
    if (this != &other) {
      release();
      data_ = std::exchange(other.data_, nullptr);
      nbytes_ = std::exchange(other.nbytes_, 0);
      pinned_ = other.pinned_;
    }
    return *this;
  }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  bool pinned() const { return pinned_; }  // false: the pageable fallback

 private:
  void release() noexcept;
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  bool pinned_ = false;
};

// Completion of an asynchronous copy (event B above). An empty fence is complete.
class CopyFence {
 public:
  CopyFence() = default;
  explicit CopyFence(CUevent_st* event) : event_(event) {}
  ~CopyFence();
  CopyFence(CopyFence&& other) noexcept : event_(other.event_) { other.event_ = nullptr; }
  CopyFence& operator=(CopyFence&& other) noexcept {
    std::swap(event_, other.event_);  // ours is destroyed with `other`
    return *this;
  }
  CopyFence(const CopyFence&) = delete;
  CopyFence& operator=(const CopyFence&) = delete;

  void wait();  // blocks the host until the copy has finished

 private:
  CUevent_st* event_ = nullptr;
};

struct CopyRegion {
  void* dst;        // device memory on `device`
  const void* src;  // pinned host memory
  size_t nbytes;
};

// Queues the copies on `device`'s copy stream with the handshake above and returns at once.
CopyFence copy_to_device_async(int device, std::span<const CopyRegion> regions);

}  // namespace tessel::cuda
