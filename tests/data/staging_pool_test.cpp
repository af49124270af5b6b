// The loader's recycling of pinned host buffers (data/staging_pool.h) with a fake buffer and a
// fake fence: a buffer is handed out again only after the copy that read it has finished, only
// when it is large enough, and a new one is made otherwise.
#include "data/staging_pool.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace tessel::data {
namespace {

struct FakeBuffer {
  size_t size = 0;
  size_t nbytes() const { return size; }
};

// A copy's completion: "done" once waited for; the log records the waits in order.
struct FakeFence {
  std::shared_ptr<std::vector<int>> log;
  int copy = -1;
  void wait() {
    if (log) log->push_back(copy);
  }
};

using Pool = StagingPool<FakeBuffer, FakeFence>;

TEST(StagingPool, WaitsForTheLastCopyBeforeHandingABufferOut) {
  Pool pool;
  auto log = std::make_shared<std::vector<int>>();
  int made = 0;
  auto make = [&](size_t n) { return ++made, FakeBuffer{n}; };
  auto a = pool.take(100, make);
  auto b = pool.take(100, make);
  EXPECT_EQ(made, 2);
  EXPECT_TRUE(log->empty());  // new buffers have nothing to wait for
  a->fence = {log, 1};
  pool.give_back(std::move(a));
  b->fence = {log, 2};
  pool.give_back(std::move(b));
  EXPECT_EQ(pool.pooled(), 2u);
  auto c = pool.take(80, make);  // the first large enough: copy 1's buffer, after copy 1
  EXPECT_EQ(made, 2);
  EXPECT_EQ(c->buffer.size, 100u);
  EXPECT_EQ(*log, (std::vector<int>{1}));
  EXPECT_EQ(pool.pooled(), 1u);
}

TEST(StagingPool, MakesANewBufferWhenNoneIsLargeEnough) {
  Pool pool;
  auto log = std::make_shared<std::vector<int>>();
  int made = 0;
  auto make = [&](size_t n) { return ++made, FakeBuffer{n}; };
  auto small = pool.take(64, make);
  small->fence = {log, 7};
  pool.give_back(std::move(small));
  auto big = pool.take(65, make);  // the pooled one is too small: no wait on its copy
  EXPECT_EQ(made, 2);
  EXPECT_EQ(big->buffer.size, 65u);
  EXPECT_TRUE(log->empty());
  EXPECT_EQ(pool.pooled(), 1u);
  auto again = pool.take(64, make);
  EXPECT_EQ(again->buffer.size, 64u);
  EXPECT_EQ(*log, (std::vector<int>{7}));
}

}  // namespace
}  // namespace tessel::data
