// GradScaler: the scale's schedule (backoff on overflow, growth after an interval), that scaled
// training with power-of-two scales equals unscaled training exactly, and checked options.
#include "nn/grad_scaler.h"

#include <gtest/gtest.h>

#include <cmath>

#include "nn/optimizer.h"
#include "tests/op_harness.h"

namespace tessel::nn {
namespace {
using testing::randn_input;

TEST(GradScaler, BacksOffOnOverflowAndGrowsAfterTheInterval) {
  GradScaler s({.init_scale = 1024, .growth_interval = 3});
  s.update(false);
  s.update(false);
  EXPECT_EQ(s.scale_value(), 1024);
  EXPECT_EQ(s.growth_tracker(), 2);
  s.update(true);  // an overflow resets the run of finite steps
  EXPECT_EQ(s.scale_value(), 512);
  EXPECT_EQ(s.growth_tracker(), 0);
  for (int i = 0; i < 3; ++i) s.update(false);
  EXPECT_EQ(s.scale_value(), 1024);
  EXPECT_EQ(s.growth_tracker(), 0);
}

TEST(GradScaler, ScaledStepsEqualUnscaledSteps) {
  // Power-of-two scales make scaling and unscaling exact, so the weights agree bit for bit.
  Tensor x = randn_input({16, 4}, 1, DType::F32, false),
         y = randn_input({16, 1}, 2, DType::F32, false);
  Tensor w_plain = randn_input({4, 1}, 3, DType::F32),
         w_scaled = w_plain.detach().clone().requires_grad_();
  SGD plain({GroupSpec({w_plain})}, GroupOptions{.lr = 0.1, .momentum = 0.9});
  SGD scaled({GroupSpec({w_scaled})}, GroupOptions{.lr = 0.1, .momentum = 0.9});
  GradScaler scaler({.init_scale = 4096, .growth_interval = 2});
  for (int step = 0; step < 5; ++step) {
    mean(pow(matmul(x, w_plain) - y, 2.0)).backward();
    plain.step();
    plain.zero_grad();
    Tensor loss = mean(pow(matmul(x, w_scaled) - y, 2.0));
    scaler.scale(loss).backward();
    scaler.unscale_({w_scaled});
    bool finite = std::isfinite(clip_grad_norm_({w_scaled}, INFINITY).item());
    ASSERT_TRUE(finite);
    scaled.step();
    scaled.zero_grad();
    scaler.update(!finite);
  }
  EXPECT_EQ(scaler.scale_value(), 4096 * 4);  // grew twice in five finite steps
  EXPECT_EQ(w_plain.to_vector<float>(), w_scaled.to_vector<float>());
}

TEST(GradScaler, AnOverflowingStepIsSkippedAndTheScaleBacksOff) {
  Tensor w = randn_input({3}, 4, DType::F32);
  GradScaler scaler({.init_scale = 8});
  scaler.scale(sum(w * INFINITY)).backward();
  scaler.unscale_({w});
  EXPECT_FALSE(std::isfinite(clip_grad_norm_({w}, INFINITY).item()));
  scaler.update(true);
  EXPECT_EQ(scaler.scale_value(), 4);
}

TEST(GradScaler, ChecksOptionsAndLoadedState) {
  EXPECT_ERROR(GradScaler({.init_scale = 0}), "init_scale must be positive");
  EXPECT_ERROR(GradScaler({.growth_factor = 1}), "growth_factor must be > 1");
  EXPECT_ERROR(GradScaler({.backoff_factor = 1}), "backoff_factor must be in (0, 1)");
  EXPECT_ERROR(GradScaler({.growth_interval = 0}), "growth_interval must be positive");
  GradScaler s;
  EXPECT_ERROR(s.load(INFINITY, 0), "scale must be positive and finite");
  EXPECT_ERROR(s.load(2, 2000), "growth_tracker 2000 is outside [0, 2000)");
  s.load(2, 7);
  EXPECT_EQ(s.scale_value(), 2);
  EXPECT_EQ(s.growth_tracker(), 7);
}

}  // namespace
}  // namespace tessel::nn
