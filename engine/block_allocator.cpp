#include "engine/block_allocator.h"

#include <algorithm>
#include <initializer_list>
#include <vector>

#include "core/error.h"

namespace tessel {

struct BlockAllocator::Block {
  char* ptr;
  size_t size;
  Stream stream;
  bool small;
  bool allocated = false;
  Block* prev = nullptr;  // neighbours inside the same segment
  Block* next = nullptr;
};

bool BlockAllocator::BlockLess::operator()(const Block* a, const Block* b) const {
  if (a->stream != b->stream) return a->stream < b->stream;
  if (a->size != b->size) return a->size < b->size;
  return a->ptr < b->ptr;
}

BlockAllocator::~BlockAllocator() {
  // Every segment goes back to the driver, blocks still handed out included: their pointers die
  // with the allocator. (The CUDA build never destroys its allocators.)
  std::vector<Block*> blocks;
  for (Pool* pool : {&small_, &large_}) blocks.insert(blocks.end(), pool->begin(), pool->end());
  for (const auto& [ptr, block] : live_) blocks.push_back(block);
  for (Block* b : blocks)
    if (!b->prev) memory_.free(b->ptr);  // a segment's first block holds its address
  for (Block* b : blocks) delete b;
}

void* BlockAllocator::allocate(size_t nbytes, Stream stream) {
  std::lock_guard<std::mutex> lock(mutex_);
  TESSEL_CHECK(nbytes <= SIZE_MAX - kRound, "allocator on ", name_, ": ", nbytes,
               " bytes cannot be allocated");
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

void BlockAllocator::free(void* ptr) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = live_.find(static_cast<char*>(ptr));
  TESSEL_CHECK(it != live_.end(), "allocator on ", name_, ": free of unknown pointer ", ptr);
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

void BlockAllocator::release_cached() {
  std::lock_guard<std::mutex> lock(mutex_);
  release_free_segments();
}

MemoryStats BlockAllocator::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void BlockAllocator::reset_peak() {
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.peak_allocated = stats_.allocated;
  stats_.peak_reserved = stats_.reserved;
}

BlockAllocator::Block* BlockAllocator::new_segment(size_t size, bool small, Stream stream,
                                                   size_t requested) {
  size_t seg =
      small ? kSmallSegment
            : (size < kMinLargeAlloc ? kLargeSegment
                                     : (size + kSmallSegment - 1) / kSmallSegment * kSmallSegment);
  void* p = memory_.malloc(seg);
  if (!p) {
    release_free_segments();
    p = memory_.malloc(seg);
  }
  if (!p) {
    ++stats_.num_ooms;
    TESSEL_FAIL("out of memory on ", name_, ": tried to allocate ", requested,
                " bytes (segment of ", seg, "); the device has ", memory_.free_bytes(),
                " bytes free of ", memory_.total_bytes(), "; Tessel has ", stats_.reserved,
                " bytes reserved, of which ", stats_.allocated, " allocated");
  }
  ++stats_.num_device_mallocs;
  stats_.reserved += int64_t(seg);
  stats_.peak_reserved = std::max(stats_.peak_reserved, stats_.reserved);
  return new Block{static_cast<char*>(p), seg, stream, small};
}

void BlockAllocator::release_free_segments() {
  for (Pool* pool : {&small_, &large_}) {
    for (auto it = pool->begin(); it != pool->end();) {
      Block* b = *it;
      if (b->prev || b->next) {  // part of a segment still in use
        ++it;
        continue;
      }
      memory_.free(b->ptr);
      stats_.reserved -= int64_t(b->size);
      it = pool->erase(it);
      delete b;
    }
  }
}

}  // namespace tessel
