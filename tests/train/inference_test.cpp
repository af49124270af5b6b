#include "train/inference.h"

#include <gtest/gtest.h>

#include "engine/ops.h"
#include "models/registry.h"

namespace tessel::train {
namespace {

void expect_near(const Tensor& a, const Tensor& b, double tol) {
  ASSERT_EQ(a.sizes(), b.sizes());
  const std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], y[i], tol) << "at " << i;
}

// Depends on the whole window (its mean), so overlapping windows disagree and the averaging
// shows: per pixel 2 x[c] + mean of the window over channels and pixels, for channels 0 and 1.
Tensor window_dependent(const Tensor& x) {
  return x.narrow(1, 0, 2) * 2.0 + mean(x, {1, 2, 3}, true);
}

TEST(Inference, SlidingWindowCoveringTheImageIsWholeImageInference) {
  models::ModelOptions options;
  options.num_classes = 3;
  auto model = models::create("fcn_resnet18", options);
  Tensor x = randn({1, 3, 32, 40});
  Tensor whole = infer_logits(*model, x);
  InferenceOptions o;
  o.sliding = SlidingWindow{{32, 40}, {16, 16}};
  expect_near(infer_logits(*model, x, o), whole, 0);
  o.sliding = SlidingWindow{{64, 64}, {8, 8}};  // larger than the image: clipped to it
  expect_near(infer_logits(*model, x, o), whole, 0);
}

TEST(Inference, SlidingWindowAveragesOverlapsLikeBruteForce) {
  const int64_t height = 10, width = 13, channels = 3;
  const Size2 window{4, 6}, stride{3, 4};
  Tensor x = randn({2, channels, height, width});
  Tensor got = sliding_logits(window_dependent, x, {window, stride});

  // Window starts: every stride while the window ends inside, then one ending at the border.
  auto starts = [](int64_t size, int64_t win, int64_t step) {
    std::vector<int64_t> s;
    for (int64_t p = 0; p + win < size; p += step) s.push_back(p);
    s.push_back(size - win);
    return s;
  };
  const std::vector<float> v = x.to_vector<float>();
  auto at = [&](int64_t n, int64_t c, int64_t y, int64_t xx) {
    return double(v[size_t(((n * channels + c) * height + y) * width + xx)]);
  };
  std::vector<double> sum(size_t(2 * 2 * height * width), 0.0), count(sum.size(), 0.0);
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t y0 : starts(height, window[0], stride[0]))
      for (int64_t x0 : starts(width, window[1], stride[1])) {
        double m = 0;
        for (int64_t c = 0; c < channels; ++c)
          for (int64_t y = y0; y < y0 + window[0]; ++y)
            for (int64_t xx = x0; xx < x0 + window[1]; ++xx) m += at(n, c, y, xx);
        m /= double(channels * window[0] * window[1]);
        for (int64_t c = 0; c < 2; ++c)
          for (int64_t y = y0; y < y0 + window[0]; ++y)
            for (int64_t xx = x0; xx < x0 + window[1]; ++xx) {
              const auto i = size_t(((n * 2 + c) * height + y) * width + xx);
              sum[i] += 2 * at(n, c, y, xx) + m;
              count[i] += 1;
            }
      }
  const std::vector<double> g = got.to_vector<double>();
  ASSERT_EQ(g.size(), sum.size());
  for (size_t i = 0; i < g.size(); ++i) {
    ASSERT_GT(count[i], 0);
    ASSERT_NEAR(g[i], sum[i] / count[i], 1e-5) << "at " << i;
  }
}

TEST(Inference, FlipOfASymmetricFunctionChangesNothing) {
  auto pointwise = [](const Tensor& x) { return x * 3.0 - 1.0; };
  Tensor x = randn({1, 2, 5, 7});
  InferenceOptions o;
  o.flip = true;
  expect_near(infer_logits(pointwise, x, o), pointwise(x), 1e-6);
}

TEST(Inference, FlipAugmentedLogitsOfASymmetricImageAreSymmetric) {
  models::ModelOptions options;
  options.num_classes = 3;
  auto model = models::create("fcn_resnet18", options);
  Tensor half = randn({1, 3, 32, 16});
  Tensor x = cat({half, flip_horizontal(half)}, 3);
  InferenceOptions o;
  o.flip = true;
  Tensor y = infer_logits(*model, x, o);
  expect_near(y, flip_horizontal(y), 1e-5);
}

TEST(Inference, MultiScaleOfAConstantImageIsConstant) {
  auto pointwise = [](const Tensor& x) { return x * 2.0; };
  Tensor x = full({1, 2, 12, 16}, 0.75);
  InferenceOptions o;
  o.scales = {0.5, 1.0, 1.5};
  o.flip = true;
  Tensor y = infer_logits(pointwise, x, o);
  expect_near(y, full({1, 2, 12, 16}, 1.5), 1e-6);
}

// A network that needs multiples of 32 evaluates any image: padded with zeros at the bottom and
// right, the logits cropped back (the same as padding by hand).
TEST(Inference, PadsToTheModelsInputMultipleAndCropsBack) {
  auto model = models::create("stdc1_seg", {.num_classes = 3});
  ASSERT_EQ(model->input_multiple(), 32);
  Tensor image = randn({1, 3, 45, 70});
  Tensor logits = infer_logits(*model, image);
  EXPECT_EQ(logits.sizes(), (Shape{1, 3, 45, 70}));
  NoGradGuard no_grad;
  Tensor padded = model->forward_outputs(pad(image, {0, 26, 0, 19})).at("out");
  expect_near(logits, padded.narrow(2, 0, 45).narrow(3, 0, 70).contiguous(), 1e-6);
  EXPECT_EQ(infer_logits(*model, randn({1, 3, 64, 96})).sizes(), (Shape{1, 3, 64, 96}));
  EXPECT_EQ(models::create("unet", {.num_classes = 2})->input_multiple(), 16);
  EXPECT_EQ(models::create("pan_resnet34", {.num_classes = 2})->input_multiple(), 16);
  EXPECT_EQ(models::create("deeplabv3_resnet18", {.num_classes = 2})->input_multiple(), 1);
}

TEST(Inference, DecisionRules) {
  Tensor logits = from_vector<float>({0.f, 2.f, 1.f, 5.f, -1.f, 3.f}, {1, 2, 1, 3});
  EXPECT_EQ(argmax_labels(logits).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1}));
  Tensor binary = from_vector<float>({-1.f, 0.1f, 2.f}, {1, 1, 1, 3});
  EXPECT_EQ(threshold_labels(binary).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 1}));
  EXPECT_EQ(threshold_labels(binary, 0.8).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 0, 1}));
  EXPECT_THROW(threshold_labels(binary, 1.0), Error);
}

}  // namespace
}  // namespace tessel::train
