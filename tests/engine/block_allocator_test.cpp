// The caching allocator's bookkeeping (engine/block_allocator.h) over a fake driver: rounding,
// the two pools' segment sizes, splitting and merging, reuse only on the same stream, the
// out-of-memory retry and its error, and the statistics. What CUDA builds run over cudaMalloc.
#include "engine/block_allocator.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/error.h"

namespace tessel {
namespace {

constexpr size_t kMiB = 1 << 20;

// Hands out fake addresses, 1 MiB apart beyond each segment so blocks of different segments
// are never adjacent, up to a byte budget.
class FakeMemory final : public DeviceMemory {
 public:
  explicit FakeMemory(size_t budget) : budget_(budget) {}
  void* malloc(size_t bytes) override {
    ++mallocs;
    if (in_use_ + bytes > budget_) return nullptr;
    in_use_ += bytes;
    char* p = next_;
    next_ += bytes + kMiB;
    segments[p] = bytes;
    return p;
  }
  void free(void* ptr) override {
    auto it = segments.find(static_cast<char*>(ptr));
    ASSERT_NE(it, segments.end()) << "freed something never allocated";
    in_use_ -= it->second;
    segments.erase(it);
    ++frees;
  }
  size_t free_bytes() override { return budget_ - in_use_; }
  size_t total_bytes() override { return budget_; }

  std::map<char*, size_t> segments;
  int mallocs = 0, frees = 0;

 private:
  size_t budget_, in_use_ = 0;
  char* next_ = reinterpret_cast<char*>(uintptr_t(1) << 40);
};

Stream stream(uintptr_t id) {
  return reinterpret_cast<Stream>(id);
}

TEST(BlockAllocator, RoundsAndSizesSegmentsByPool) {
  FakeMemory memory(size_t(1) << 34);
  BlockAllocator a(memory, "fake:0");
  a.allocate(1, stream(1));  // small pool: a 2 MiB segment
  EXPECT_EQ(a.stats().allocated, 512);
  EXPECT_EQ(a.stats().reserved, int64_t(2 * kMiB));
  a.allocate(kMiB + 1, stream(1));  // large, under 10 MiB: a 20 MiB segment
  EXPECT_EQ(a.stats().allocated, int64_t(512 + kMiB + 512));
  EXPECT_EQ(a.stats().reserved, int64_t(22 * kMiB));
  // On stream 1 this would be carved from the 20 MiB segment's free rest; another stream's
  // request over 10 MiB gets a segment of its own size, rounded to 2 MiB.
  a.allocate(11 * kMiB + 3, stream(2));
  EXPECT_EQ(a.stats().reserved, int64_t(34 * kMiB));
  EXPECT_EQ(memory.mallocs, 3);
  EXPECT_EQ(a.stats().num_allocs, 3);
  EXPECT_EQ(a.stats().num_device_mallocs, 3);
}

TEST(BlockAllocator, DestructionGivesEverySegmentBack) {
  FakeMemory memory(size_t(1) << 34);
  {
    BlockAllocator a(memory, "fake:0");
    a.allocate(100, stream(1));
    a.allocate(200, stream(1));
    a.free(a.allocate(30 * kMiB, stream(2)));
    a.allocate(5 * kMiB, stream(3));
    EXPECT_EQ(memory.segments.size(), 3u);
  }
  EXPECT_TRUE(memory.segments.empty());
  EXPECT_EQ(memory.frees, 3);
}

TEST(BlockAllocator, SplitsAndMergesInsideASegment) {
  FakeMemory memory(size_t(1) << 34);
  BlockAllocator a(memory, "fake:0");
  char* x = static_cast<char*>(a.allocate(1000, stream(1)));
  char* y = static_cast<char*>(a.allocate(1000, stream(1)));
  char* z = static_cast<char*>(a.allocate(1000, stream(1)));
  EXPECT_EQ(y, x + 1024);  // carved one after another from the same 2 MiB segment
  EXPECT_EQ(z, y + 1024);
  EXPECT_EQ(memory.mallocs, 1);
  a.free(y);
  EXPECT_EQ(a.allocate(512, stream(1)), y);  // best fit: the 1 KiB hole, split again
  a.free(x);
  a.free(z);
  a.free(y);
  // All merged back: the segment is one free block again, and the largest small request is
  // carved from its start without asking the driver.
  EXPECT_EQ(a.allocate(kMiB, stream(1)), x);
  EXPECT_EQ(memory.mallocs, 1);
}

TEST(BlockAllocator, ReusesBlocksOnlyOnTheirStream) {
  FakeMemory memory(size_t(1) << 34);
  BlockAllocator a(memory, "fake:0");
  void* p = a.allocate(3 * kMiB, stream(1));
  a.free(p);
  void* q = a.allocate(3 * kMiB, stream(2));  // another stream: a segment of its own
  EXPECT_NE(q, p);
  EXPECT_EQ(memory.mallocs, 2);
  void* r = a.allocate(3 * kMiB, stream(1));  // the first stream gets its block back
  EXPECT_EQ(r, p);
  EXPECT_EQ(memory.mallocs, 2);
}

TEST(BlockAllocator, OutOfMemoryReleasesCachedSegmentsThenRetries) {
  FakeMemory memory(40 * kMiB);
  BlockAllocator a(memory, "fake:3");
  void* first = a.allocate(12 * kMiB, stream(1));
  void* held = a.allocate(2 * kMiB + 512, stream(1));  // a 20 MiB segment
  a.free(first);                                       // 12 MiB cached, 32 MiB reserved
  // 20 MiB more does not fit beside 32 reserved: the cached 12 MiB segment goes back first.
  void* big = a.allocate(20 * kMiB, stream(2));
  EXPECT_NE(big, nullptr);
  EXPECT_EQ(memory.frees, 1);
  EXPECT_EQ(a.stats().reserved, int64_t(40 * kMiB));
  EXPECT_EQ(a.stats().num_ooms, 0);
  // Nothing left to give back: the error names the device and the numbers.
  try {
    a.allocate(30 * kMiB, stream(1));
    FAIL() << "expected out of memory";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("out of memory on fake:3: tried to allocate 31457280 bytes (segment of "
                     "31457280); the device has 0 bytes free of 41943040; Tessel has 41943040 "
                     "bytes reserved, of which 23069184 allocated"),
              std::string::npos)
        << m;
  }
  EXPECT_EQ(a.stats().num_ooms, 1);
  a.free(held);
  a.free(big);
}

TEST(BlockAllocator, StatsAndReleasingOnlyWholeFreeSegments) {
  FakeMemory memory(size_t(1) << 34);
  BlockAllocator a(memory, "fake:0");
  void* p = a.allocate(100, stream(1));
  void* q = a.allocate(5 * kMiB, stream(1));
  EXPECT_EQ(a.stats().peak_allocated, int64_t(512 + 5 * kMiB));
  a.free(q);
  EXPECT_EQ(a.stats().allocated, 512);
  EXPECT_EQ(a.stats().peak_allocated, int64_t(512 + 5 * kMiB));  // the peak stays
  a.reset_peak();
  EXPECT_EQ(a.stats().peak_allocated, 512);
  EXPECT_EQ(a.stats().peak_reserved, int64_t(22 * kMiB));
  a.release_cached();  // the large segment is free; the small one still holds p
  EXPECT_EQ(memory.frees, 1);
  EXPECT_EQ(a.stats().reserved, int64_t(2 * kMiB));
  a.free(p);
  a.release_cached();
  EXPECT_EQ(a.stats().reserved, 0);
  EXPECT_TRUE(memory.segments.empty());
  try {
    a.free(p);
    FAIL() << "freeing twice must fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("allocator on fake:0: free of unknown pointer"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace tessel
