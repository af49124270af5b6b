// RegSeg-48: parameter count against SuperGradients' RegSeg48, output at the input's size, and a
// training step that reaches every parameter.
#include <gtest/gtest.h>

#include "tests/models/realtime_checks.h"

namespace tessel::models {
namespace {

// 3334983 for 19 classes from SuperGradients' own RegSeg48 (tests/fixtures/gen_super_gradients.py);
// the paper (Gao 2021, table 5) gives 3.34M.
TEST(RegSeg, ParameterCountMatchesSuperGradients) {
  EXPECT_EQ(create("regseg48", {.num_classes = 19})->num_parameters(), 3334983);
}

TEST(RegSeg, HasNoAuxiliaryHead) {
  EXPECT_ERROR(create("regseg48", {.aux = true}), "regseg48: has no auxiliary head");
}

// Stride 16: 64x64 reaches 4x4 in the last stage, where the dilations of 14 read only padding
// (as they do near borders at full size).
TEST(RegSeg, TrainStepReachesEveryParameter) {
  testing::expect_train_step_reaches_every_parameter("regseg48", {.num_classes = 3}, 64, 64,
                                                     {"out"});
}

TEST(RegSeg, EvalOutputAtInputSize) {
  auto model = create("regseg48", {.num_classes = 5});
  model->eval();
  NoGradGuard no_grad;
  EXPECT_EQ(model->forward(zeros({1, 3, 48, 80})).sizes(), (Shape{1, 5, 48, 80}));
}

TEST(RegSeg, MatchesCpu_CUDA) {
  testing::expect_cuda_matches_cpu("regseg48", {.num_classes = 3});
}

}  // namespace
}  // namespace tessel::models
