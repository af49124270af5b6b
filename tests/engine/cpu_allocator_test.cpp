// The CPU allocator's cache: large blocks come back for the same size bin, small ones are not
// cached, everything is aligned, and empty_cache returns the cache to the system.
#include "engine/cpu_allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "engine/tensor.h"

namespace tessel::cpu {
namespace {

TEST(CpuAllocator, ReusesLargeBlocksOfTheSameBin) {
  empty_cache();
  const CacheStats before = cache_stats();
  const size_t large = (size_t(3) << 20) + 100;  // bin 3.5 MiB
  void* a = aligned_alloc(large);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % kAlignment, 0u);
  std::memset(a, 1, large);  // the whole request is usable
  aligned_free(a, large);
  EXPECT_EQ(cache_stats().cached_bytes, size_t(7) << 19);
  void* b = aligned_alloc((size_t(7) << 19) - 5);  // another size in the same bin
  EXPECT_EQ(b, a);
  EXPECT_EQ(cache_stats().cached_bytes, 0u);
  EXPECT_EQ(cache_stats().hits, before.hits + 1);
  void* c = aligned_alloc(size_t(4) << 20);  // the next bin: a fresh block
  EXPECT_NE(c, b);
  EXPECT_EQ(cache_stats().misses, before.misses + 2);
  aligned_free(b, (size_t(7) << 19) - 5);
  aligned_free(c, size_t(4) << 20);
  EXPECT_EQ(cache_stats().cached_bytes, (size_t(7) << 19) + (size_t(4) << 20));
  empty_cache();
  EXPECT_EQ(cache_stats().cached_bytes, 0u);

  void* small = aligned_alloc(1000);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small) % kAlignment, 0u);
  aligned_free(small, 1000);
  EXPECT_EQ(cache_stats().cached_bytes, 0u);  // small blocks go straight back
}

TEST(CpuAllocator, TensorsOfAStepReuseTheirBuffers) {
  empty_cache();
  const void* first = nullptr;
  for (int step = 0; step < 3; ++step) {
    Tensor t = zeros({512, 1024});  // 2 MiB
    if (step == 0) first = t.data_ptr();
    EXPECT_EQ(t.data_ptr(), first) << "step " << step;
  }
  empty_cache();
}

}  // namespace
}  // namespace tessel::cpu
