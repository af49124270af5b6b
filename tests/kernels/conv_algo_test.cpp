// Which of cuDNN's ranked convolution algorithms a call may run (kernels/common/conv_algo.h).
#include "kernels/common/conv_algo.h"

#include <gtest/gtest.h>

#include <vector>

namespace tessel::kernels {
namespace {

std::vector<int> algos(const std::vector<ConvAlgoCandidate>& v) {
  std::vector<int> a;
  for (const auto& c : v) a.push_back(c.algo);
  return a;
}

const std::vector<ConvAlgoCandidate> kRanked = {
    {.algo = 6, .supported = true, .deterministic = false, .math = ConvMath::TensorOp},
    {.algo = 1, .supported = false, .deterministic = true, .math = ConvMath::Fma},
    {.algo = 1,
     .supported = true,
     .deterministic = true,
     .math = ConvMath::TensorOp,
     .workspace = 1 << 20},
    {.algo = 0, .supported = true, .deterministic = true, .math = ConvMath::Default},
    {.algo = 7, .supported = true, .deterministic = true, .math = ConvMath::Fma},
};

TEST(ConvAlgo, KeepsSupportedDeterministicInCudnnsOrder) {
  auto usable = usable_conv_algorithms(kRanked, {.f32 = false});
  EXPECT_EQ(algos(usable), (std::vector<int>{1, 0, 7}));
  EXPECT_EQ(usable[0].workspace, size_t(1) << 20);
  // 16-bit data runs with the math type cuDNN ranked each algorithm with.
  EXPECT_EQ(usable[0].math, ConvMath::TensorOp);
  EXPECT_EQ(usable[1].math, ConvMath::Default);
}

TEST(ConvAlgo, F32StaysExactUnlessTf32IsAllowed) {
  for (const auto& c : usable_conv_algorithms(kRanked, {.f32 = true, .allow_tf32 = false}))
    EXPECT_EQ(c.math, ConvMath::Fma) << "algorithm " << c.algo;
  auto tf32 = usable_conv_algorithms(kRanked, {.f32 = true, .allow_tf32 = true});
  EXPECT_EQ(algos(tf32), (std::vector<int>{1, 0, 7}));
  EXPECT_EQ(tf32[0].math, ConvMath::TensorOp);
}

TEST(ConvAlgo, NothingDeterministicLeavesNothing) {
  std::vector<ConvAlgoCandidate> only_fast = {kRanked[0], kRanked[1]};
  EXPECT_TRUE(usable_conv_algorithms(only_fast, {.f32 = true}).empty());
}

}  // namespace
}  // namespace tessel::kernels
