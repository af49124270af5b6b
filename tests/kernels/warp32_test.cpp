// The host model of a warp's collectives (kernels/common/warp32.h): the butterfly's result and
// order, ballot, match_any, and the histogram kernels' warp_count rule (kernels/cuda/histogram.cuh:
// the lowest lane of each group of equal bins adds the group's size) on imbalanced labels.
#include "kernels/common/warp32.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace tessel::kernels {
namespace {

TEST(Warp32, ButterflyAddsPairsAtDistances16To1) {
  std::array<double, kWarpLanes> v{};
  for (int l = 0; l < kWarpLanes; ++l) v[size_t(l)] = l;
  EXPECT_EQ(warp32_sum(v), 496.0);
  // In f32 the order shows. 2^24 and 31 ones: a left-to-right sum drops every one; the butterfly
  // drops only the one that meets 2^24 at distance 16, as the others pair up first.
  std::array<float, kWarpLanes> f{};
  f[0] = 16777216.0f;
  for (int l = 1; l < kWarpLanes; ++l) f[size_t(l)] = 1.0f;
  float serial = 0;
  for (float x : f) serial += x;
  EXPECT_EQ(serial, 16777216.0f);
  EXPECT_EQ(warp32_sum(f), 16777216.0f + 30.0f);
}

TEST(Warp32, BallotAndMatchAny) {
  std::array<bool, kWarpLanes> p{};
  p[0] = p[5] = p[31] = true;
  EXPECT_EQ(warp32_ballot(p), (1u << 0) | (1u << 5) | (1u << 31));
  std::array<int64_t, kWarpLanes> v{};
  for (int l = 0; l < kWarpLanes; ++l) v[size_t(l)] = l % 3;
  auto peers = warp32_match_any(v);
  EXPECT_EQ(peers[0], peers[3]);
  EXPECT_EQ(std::popcount(peers[0]), 11);  // lanes 0, 3, ..., 30
  EXPECT_EQ(std::popcount(peers[1]), 11);
  EXPECT_EQ(std::popcount(peers[2]), 10);
  EXPECT_EQ(lowest_lane(peers[5]), 2);
}

TEST(Warp32, WarpCountRuleCountsEachLabelOnce) {
  std::mt19937 g(8);
  for (int trial = 0; trial < 200; ++trial) {
    std::array<int64_t, kWarpLanes> bins{};
    std::map<int64_t, int64_t> want, got;
    for (auto& b : bins) {
      // Mostly one class, as segmentation labels are; -1 is an ignored pixel.
      b = g() % 4 == 0 ? int64_t(g() % 5) - 1 : 2;
      if (b >= 0) ++want[b];
    }
    auto peers = warp32_match_any(bins);
    for (int l = 0; l < kWarpLanes; ++l)
      if (bins[size_t(l)] >= 0 && l == lowest_lane(peers[size_t(l)]))
        got[bins[size_t(l)]] += std::popcount(peers[size_t(l)]);
    ASSERT_EQ(got, want) << "trial " << trial;
  }
}

}  // namespace
}  // namespace tessel::kernels
