#include "train/rankdice.h"

#include <gtest/gtest.h>

#include <random>

namespace tessel::train {
namespace {

// E[(2|S n Y| + smooth) / (|S| + |Y| + smooth)] over every outcome Y, 0/0 counting as 0.
double expected_dice(const std::vector<double>& p, uint32_t subset, double smooth) {
  const size_t d = p.size();
  double e = 0;
  for (uint32_t y = 0; y < (1u << d); ++y) {
    double prob = 1;
    for (size_t j = 0; j < d; ++j) prob *= (y >> j & 1) ? p[j] : 1 - p[j];
    const double num = 2.0 * __builtin_popcount(subset & y) + smooth;
    const double den = double(__builtin_popcount(subset) + __builtin_popcount(y)) + smooth;
    if (den > 0) e += prob * num / den;
  }
  return e;
}

uint32_t as_subset(const std::vector<uint8_t>& mask) {
  uint32_t s = 0;
  for (size_t j = 0; j < mask.size(); ++j) s |= uint32_t(mask[j]) << j;
  return s;
}

TEST(RankDice, MatchesBruteForceOverAllSubsets) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  for (double smooth : {0.0, 1.0}) {
    for (size_t d = 1; d <= 7; ++d) {
      for (int trial = 0; trial < 20; ++trial) {
        std::vector<double> p(d);
        for (double& q : p) q = u(rng);
        if (trial % 4 == 1) p[0] = 0;  // certain pixels and ties
        if (trial % 4 == 2) p[d - 1] = 1;
        if (trial % 4 == 3) p.assign(d, 0.3);
        double best = 0;
        for (uint32_t s = 0; s < (1u << d); ++s) best = std::max(best, expected_dice(p, s, smooth));
        const double got = expected_dice(p, as_subset(rankdice(p, {smooth, 4096})), smooth);
        ASSERT_NEAR(got, best, 1e-12) << "d " << d << " trial " << trial << " smooth " << smooth;
      }
    }
  }
}

TEST(RankDice, BlindApproximationChoosesNearlyTheExactVolume) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> fg(0.4, 1.0), bg(0.0, 0.45);
  std::vector<double> p;
  for (int i = 0; i < 400; ++i) p.push_back(fg(rng));
  for (int i = 0; i < 2600; ++i) p.push_back(bg(rng));
  auto volume = [](const std::vector<uint8_t>& m) { return std::count(m.begin(), m.end(), 1); };
  const auto exact = volume(rankdice(p, {0.0, 4096}));
  const auto approx = volume(rankdice(p, {0.0, 0}));
  EXPECT_GT(exact, 0);
  EXPECT_NEAR(double(approx), double(exact), 0.02 * double(exact));
}

TEST(RankDice, LabelsPerImageAndClass) {
  Tensor probs = from_vector<float>({0.9f, 0.8f, 0.1f, 0.05f, 0.f, 0.f, 0.f, 0.f}, {1, 2, 2, 2});
  EXPECT_EQ(rankdice_labels(probs).to_vector<uint8_t>(),
            (std::vector<uint8_t>{1, 1, 0, 0, 0, 0, 0, 0}));
  EXPECT_THROW(rankdice({1.5}), Error);
}

}  // namespace
}  // namespace tessel::train
