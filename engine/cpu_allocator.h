// The CPU allocator: 64-byte aligned blocks. Large blocks are cached when freed and handed out
// again, because a training step allocates the same large buffers every iteration and each fresh
// one would be a new mmap whose pages fault in on first touch (15-20% of a UNet training step on
// the CPU, perf). Sizes of kCacheFrom bytes and more are rounded up to a quarter-power-of-two
// bin (at most 25% slack) and a freed block waits in its bin's list; cached bytes are capped at
// kCacheLimit, beyond which freed blocks go back to the system. Thread-safe.
#pragma once

#include <cstddef>

namespace tessel::cpu {

inline constexpr size_t kAlignment = 64;  // a cache line, and enough for any vector load
inline constexpr size_t kCacheFrom = size_t(1) << 20;
inline constexpr size_t kCacheLimit = size_t(2) << 30;

// Throws tessel::Error naming the size when the system has no memory left (after returning
// the cache to it and retrying once).
void* aligned_alloc(size_t nbytes);
// `nbytes` as given to aligned_alloc.
void aligned_free(void* p, size_t nbytes) noexcept;

struct CacheStats {
  size_t cached_bytes = 0;      // freed blocks held for reuse
  size_t hits = 0, misses = 0;  // large allocations served from the cache / by the system
};
CacheStats cache_stats();
// Returns every cached block to the system.
void empty_cache();

}  // namespace tessel::cpu
