#include <gtest/gtest.h>

#include "engine/cuda/caching_allocator.h"
#include "engine/ops.h"

using namespace tessel;

namespace {
constexpr int64_t kMiB = 1 << 20;
Tensor cuda_bytes(int64_t n) {
  return empty({n}, {DType::U8, cuda_device()});
}
}  // namespace

TEST(CudaAllocator, DeviceCountDoesNotCrash) {
  int n = cuda::device_count();
  EXPECT_GE(n, 0);
  EXPECT_EQ(cuda::is_available(), n > 0);
}

TEST(CudaAllocator, AllocationWithoutDeviceThrows) {
  if (cuda::is_available()) GTEST_SKIP() << "a CUDA device is present";
  try {
    cuda_bytes(16);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_TRUE(m.find("cuda:0 does not exist") != std::string::npos ||
                m.find("built without CUDA") != std::string::npos)
        << m;
  }
}

TEST(CudaAllocator, StatsMove_CUDA) {
  cuda::MemoryStats before = cuda::memory_stats();
  cuda::reset_peak_memory_stats();
  int64_t grew = 0;
  {
    Tensor t = cuda_bytes(4 * kMiB + 1);
    cuda::MemoryStats during = cuda::memory_stats();
    grew = during.allocated - before.allocated;
    // Rounded up to 512 B; a cached block less than 1 MiB larger is handed out whole.
    EXPECT_GE(grew, 4 * kMiB + 512);
    EXPECT_LT(grew, 5 * kMiB + 512);
    EXPECT_GE(during.reserved, during.allocated);
    EXPECT_EQ(during.peak_allocated, during.allocated);
    EXPECT_EQ(during.num_allocs, before.num_allocs + 1);
  }
  cuda::MemoryStats after = cuda::memory_stats();
  EXPECT_EQ(after.allocated, before.allocated);
  EXPECT_EQ(after.peak_allocated, before.allocated + grew);  // the peak stays
}

TEST(CudaAllocator, ReusesFreedBlocks_CUDA) {
  { Tensor warm = cuda_bytes(3 * kMiB); }
  int64_t mallocs = cuda::memory_stats().num_device_mallocs;
  for (int i = 0; i < 5; ++i) Tensor t = cuda_bytes(3 * kMiB);
  EXPECT_EQ(cuda::memory_stats().num_device_mallocs, mallocs);
}

TEST(CudaAllocator, EmptyCacheReleases_CUDA) {
  cuda::empty_cache();                     // so that the next block gets a segment of its own
  { Tensor big = cuda_bytes(64 * kMiB); }  // now cached
  int64_t cached = cuda::memory_stats().reserved;
  cuda::empty_cache();
  EXPECT_LE(cuda::memory_stats().reserved, cached - 64 * kMiB);
}

TEST(CudaAllocator, HugeAllocationNamesBytes_CUDA) {
  int64_t ooms = cuda::memory_stats().num_ooms;
  int64_t huge = int64_t(1) << 50;
  try {
    cuda_bytes(huge);
    FAIL() << "expected an out-of-memory error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tried to allocate " + std::to_string(huge) + " bytes"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(cuda::memory_stats().num_ooms, ooms + 1);
  Tensor ok = cuda_bytes(kMiB);  // the allocator still works
  EXPECT_EQ(ok.numel(), kMiB);
}
