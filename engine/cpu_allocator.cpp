#include "engine/cpu_allocator.h"

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/error.h"

namespace tessel::cpu {
namespace {

// The bin of a cached size: the next of 2^k, 1.25 * 2^k, 1.5 * 2^k, 1.75 * 2^k.
size_t bin_size(size_t nbytes) {
  size_t top = std::bit_floor(nbytes), quarter = top / 4;
  return (nbytes + quarter - 1) / quarter * quarter;
}

struct Cache {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free;  // by bin size
  CacheStats stats;

  void release_all() {
    for (auto& [size, blocks] : free)
      for (void* p : blocks) std::free(p);
    free.clear();
    stats.cached_bytes = 0;
  }
};

Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: storages may be freed during static teardown
  return *c;
}

void* system_alloc(size_t bytes) {
  void* p = std::aligned_alloc(kAlignment, bytes);
  if (p) return p;
  empty_cache();
  return std::aligned_alloc(kAlignment, bytes);
}

}  // namespace

void* aligned_alloc(size_t nbytes) {
  if (nbytes < kCacheFrom) {
    size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
    void* p = system_alloc(rounded == 0 ? kAlignment : rounded);
    TESSEL_CHECK(p != nullptr, "CPU allocator: out of memory allocating ", nbytes, " bytes");
    return p;
  }
  size_t bin = bin_size(nbytes);
  {
    Cache& c = cache();
    std::lock_guard lock(c.mutex);
    auto it = c.free.find(bin);
    if (it != c.free.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.stats.cached_bytes -= bin;
      ++c.stats.hits;
      return p;
    }
    ++c.stats.misses;
  }
  void* p = system_alloc(bin);
  TESSEL_CHECK(p != nullptr, "CPU allocator: out of memory allocating ", nbytes, " bytes (", bin,
               " with the size bin's rounding)");
  return p;
}

void aligned_free(void* p, size_t nbytes) noexcept {
  if (!p) return;
  if (nbytes >= kCacheFrom) {
    size_t bin = bin_size(nbytes);
    Cache& c = cache();
    std::lock_guard lock(c.mutex);
    if (c.stats.cached_bytes + bin <= kCacheLimit) {
      try {
        c.free[bin].push_back(p);
        c.stats.cached_bytes += bin;
        return;
      } catch (...) {  // no memory for the list entry: give the block back instead
      }
    }
  }
  std::free(p);
}

CacheStats cache_stats() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  return c.stats;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  c.release_all();
}

}  // namespace tessel::cpu
