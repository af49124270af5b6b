#include "engine/cuda/caching_allocator.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>
#include <vector>

#include "core/cuda_check.h"
#include "engine/cuda/context.h"

namespace tessel::cuda {
namespace {

constexpr size_t kRound = 512;
constexpr size_t kSmallSize = 1 << 20;  // requests up to this use the small pool
constexpr size_t kSmallSegment = 2 << 20;
constexpr size_t kLargeSegment = 20 << 20;
constexpr size_t kMinLargeAlloc = 10 << 20;  // below this, large requests share a 20 MiB segment
constexpr size_t kMinSplitRemainder = 512;   // small pool: split if at least this would be left
constexpr size_t kMinLargeSplitRemainder = kSmallSize;

struct Block {
  char* ptr;
  size_t size;
  cudaStream_t stream;
  bool small;
  bool allocated = false;
  Block* prev = nullptr;  // neighbours inside the same segment
  Block* next = nullptr;
};

struct BlockLess {
  bool operator()(const Block* a, const Block* b) const {
    if (a->stream != b->stream) return a->stream < b->stream;
    if (a->size != b->size) return a->size < b->size;
    return a->ptr < b->ptr;
  }
};
using Pool = std::set<Block*, BlockLess>;

class DeviceAllocator {
 public:
  explicit DeviceAllocator(int device) : device_(device) {}

  void* allocate(size_t nbytes, cudaStream_t stream) {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t size = std::max(kRound, (nbytes + kRound - 1) / kRound * kRound);
    bool small = size <= kSmallSize;
    Pool& pool = small ? small_ : large_;
    ++stats_.num_allocs;

    Block key{nullptr, size, stream, small};
    auto it = pool.lower_bound(&key);
    Block* block = nullptr;
    if (it != pool.end() && (*it)->stream == stream) {
      block = *it;
      pool.erase(it);
    } else {
      block = new_segment(size, small, stream, nbytes);
    }
    size_t remaining = block->size - size;
    if (remaining >= (small ? kMinSplitRemainder : kMinLargeSplitRemainder)) {
      auto* rest = new Block{block->ptr + size, remaining, stream, small};
      rest->prev = block;
      rest->next = block->next;
      if (block->next) block->next->prev = rest;
      block->next = rest;
      block->size = size;
      pool.insert(rest);
    }
    block->allocated = true;
    live_.emplace(block->ptr, block);
    stats_.allocated += int64_t(block->size);
    stats_.peak_allocated = std::max(stats_.peak_allocated, stats_.allocated);
    return block->ptr;
  }

  void free(void* ptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(static_cast<char*>(ptr));
    TESSEL_CHECK(it != live_.end(), "CUDA allocator: free of unknown pointer ", ptr,
                 " on cuda:", device_);
    Block* block = it->second;
    live_.erase(it);
    block->allocated = false;
    stats_.allocated -= int64_t(block->size);
    Pool& pool = block->small ? small_ : large_;
    for (Block* n : {block->prev, block->next}) {
      if (!n || n->allocated) continue;
      pool.erase(n);
      if (n == block->prev) {
        n->size += block->size;
        n->next = block->next;
        if (block->next) block->next->prev = n;
        delete block;
        block = n;
      } else {
        block->size += n->size;
        block->next = n->next;
        if (n->next) n->next->prev = block;
        delete n;
      }
    }
    pool.insert(block);
  }

  void release_cached() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_free_segments();
  }

  MemoryStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }
  void reset_peak() {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.peak_allocated = stats_.allocated;
    stats_.peak_reserved = stats_.reserved;
  }

 private:
  Block* new_segment(size_t size, bool small, cudaStream_t stream, size_t requested) {
    size_t seg = small ? kSmallSegment
                       : (size < kMinLargeAlloc
                              ? kLargeSegment
                              : (size + kSmallSegment - 1) / kSmallSegment * kSmallSegment);
    DeviceGuard guard(device_);
    void* p = nullptr;
    cudaError_t err = cudaMalloc(&p, seg);
    if (err != cudaSuccess) {
      (void)cudaGetLastError();  // clear the sticky-free error state before retrying
      release_free_segments();
      err = cudaMalloc(&p, seg);
    }
    if (err != cudaSuccess) {
      (void)cudaGetLastError();
      ++stats_.num_ooms;
      size_t free_b = 0, total_b = 0;
      (void)cudaMemGetInfo(&free_b, &total_b);
      TESSEL_FAIL("CUDA out of memory on cuda:", device_, ": tried to allocate ", requested,
                  " bytes (segment of ", seg, "); the device has ", free_b, " bytes free of ",
                  total_b, "; Tessel has ", stats_.reserved, " bytes reserved, of which ",
                  stats_.allocated, " allocated");
    }
    ++stats_.num_device_mallocs;
    stats_.reserved += int64_t(seg);
    stats_.peak_reserved = std::max(stats_.peak_reserved, stats_.reserved);
    return new Block{static_cast<char*>(p), seg, stream, small};
  }

  void release_free_segments() {
    DeviceGuard guard(device_);
    for (Pool* pool : {&small_, &large_}) {
      for (auto it = pool->begin(); it != pool->end();) {
        Block* b = *it;
        if (b->prev || b->next) {  // part of a segment still in use
          ++it;
          continue;
        }
        TESSEL_CUDA_WARN(cudaFree(b->ptr));
        stats_.reserved -= int64_t(b->size);
        it = pool->erase(it);
        delete b;
      }
    }
  }

  int device_;
  std::mutex mutex_;
  Pool small_, large_;
  std::unordered_map<char*, Block*> live_;
  MemoryStats stats_;
};

DeviceAllocator& allocator_for(int device) {
  static std::mutex mutex;
  // Leaked on purpose: tensors freed during static destruction must still find their pool.
  static auto* allocators = new std::vector<std::unique_ptr<DeviceAllocator>>();
  std::lock_guard<std::mutex> lock(mutex);
  TESSEL_CHECK(device >= 0 && device < device_count(), "CUDA allocator: device cuda:", device,
               " does not exist (", device_count(), " CUDA devices)");
  if (allocators->empty()) allocators->resize(size_t(device_count()));
  auto& a = (*allocators)[size_t(device)];
  if (!a) a = std::make_unique<DeviceAllocator>(device);
  return *a;
}

}  // namespace

void* allocator_raw_alloc(size_t nbytes, Device device) {
  TESSEL_CHECK(device.is_cuda(), "CUDA allocator: device ", device, " is not a CUDA device");
  return allocator_for(device.index).allocate(nbytes, current_stream(device.index));
}

void allocator_raw_free(void* ptr, Device device) {
  allocator_for(device.index).free(ptr);
}

MemoryStats memory_stats(int device) {
  return allocator_for(device).stats();
}
void reset_peak_memory_stats(int device) {
  allocator_for(device).reset_peak();
}
void empty_cache() {
  for (int d = 0; d < device_count(); ++d) allocator_for(d).release_cached();
}

}  // namespace tessel::cuda
