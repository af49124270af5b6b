// The caching allocator's bookkeeping, apart from the driver it takes memory from: memory is
// taken in segments and kept; freed blocks go back to a pool and are handed out again without
// asking the driver.
//
//  - Sizes are rounded up to 512 B. Requests up to 1 MiB come from the small pool (2 MiB
//    segments); larger ones from the large pool (20 MiB segments below 10 MiB, else the size
//    rounded to 2 MiB). A block larger than the request is split, and a freed block merges with
//    free neighbours of its segment.
//  - Blocks are reused only on the stream they were allocated on, so stream order alone
//    guarantees the previous user is done with them.
//  - When the driver has no memory, every fully free segment is given back and the request is
//    tried once more; a second failure throws an error naming the requested, free and reserved
//    bytes.
//
// engine/cuda/caching_allocator.cpp runs it over cudaMalloc; the tests run it over a fake driver,
// so all of the above is checked without a GPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/context.h"

namespace tessel {

struct MemoryStats {
  int64_t allocated = 0;  // bytes in blocks handed out now
  int64_t peak_allocated = 0;
  int64_t reserved = 0;  // bytes held from the driver (allocated + cached)
  int64_t peak_reserved = 0;
  int64_t num_allocs = 0;          // allocate() calls
  int64_t num_device_mallocs = 0;  // of which needed memory from the driver
  int64_t num_ooms = 0;
};

// What the allocator needs of a device's memory.
class DeviceMemory {
 public:
  virtual ~DeviceMemory() = default;
  virtual void* malloc(size_t bytes) = 0;  // nullptr when out of memory
  virtual void free(void* ptr) = 0;
  virtual size_t free_bytes() = 0;   // for the out-of-memory message
  virtual size_t total_bytes() = 0;  // likewise
};

class BlockAllocator {
 public:
  // `memory` must outlive the allocator; `name` ("cuda:0") appears in errors. Destroying the
  // allocator gives all its memory back, handed out or not.
  BlockAllocator(DeviceMemory& memory, std::string name)
      : memory_(memory), name_(std::move(name)) {}
  ~BlockAllocator();
  BlockAllocator(const BlockAllocator&) = delete;
  BlockAllocator& operator=(const BlockAllocator&) = delete;

  void* allocate(size_t nbytes, Stream stream);
  void free(void* ptr);
  // Gives every fully free segment back to the driver.
  void release_cached();
  MemoryStats stats();
  void reset_peak();

  static constexpr size_t kRound = 512;
  static constexpr size_t kSmallSize = 1 << 20;  // requests up to this use the small pool
  static constexpr size_t kSmallSegment = 2 << 20;
  static constexpr size_t kLargeSegment = 20 << 20;
  static constexpr size_t kMinLargeAlloc = 10 << 20;  // below: large requests share a segment
  static constexpr size_t kMinSplitRemainder = 512;   // small pool: split if this would be left
  static constexpr size_t kMinLargeSplitRemainder = kSmallSize;

 private:
  struct Block;
  struct BlockLess {
    bool operator()(const Block* a, const Block* b) const;
  };
  using Pool = std::set<Block*, BlockLess>;

  Block* new_segment(size_t size, bool small, Stream stream, size_t requested);
  void release_free_segments();

  DeviceMemory& memory_;
  std::string name_;
  std::mutex mutex_;
  Pool small_, large_;
  std::unordered_map<char*, Block*> live_;
  MemoryStats stats_;
};

}  // namespace tessel
