// Augmentations: the mask stays aligned with the image under every geometric op, fills are the
// ignore index, photometric ops match their formulas and leave the mask alone, and a seed fixes
// the result.
#include <gtest/gtest.h>

#include <cmath>

#include "data/augment.h"
#include "data/geometric.h"
#include "data/photometric.h"
#include "tests/op_harness.h"

namespace tessel::data {
namespace {

Sample make_sample(int64_t h, int64_t w, int64_t c, std::vector<uint8_t> pixels,
                   std::vector<uint8_t> labels) {
  Sample s;
  s.image = {h, w, c, 8, std::move(pixels)};
  s.mask = {h, w, std::move(labels)};
  return s;
}

// 16x14 blocks of labels 0..10, each painted in the image as 20 * label in every channel.
constexpr int kLabelValue = 20;
Sample encoded_sample(int64_t h, int64_t w) {
  std::vector<uint8_t> pixels, labels;
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      auto label = uint8_t(((y / 16) * 7 + (x / 14) * 3) % 11);
      labels.push_back(label);
      for (int c = 0; c < 3; ++c) pixels.push_back(uint8_t(label * kLabelValue));
    }
  return make_sample(h, w, 3, pixels, labels);
}

// Pixels whose mask is one label (no ignore) within `radius` are away from label edges, where
// interpolation blends: their image must show exactly their label's value. Returns how many
// pixels were checked.
int64_t expect_aligned(const Sample& s, int64_t radius = 2) {
  int64_t checked = 0, wrong = 0;
  const Mask& m = s.mask;
  for (int64_t y = radius; y < m.height - radius; ++y)
    for (int64_t x = radius; x < m.width - radius; ++x) {
      uint8_t label = m.labels[size_t(y * m.width + x)];
      bool uniform = label != 255;
      for (int64_t dy = -radius; dy <= radius && uniform; ++dy)
        for (int64_t dx = -radius; dx <= radius; ++dx)
          uniform = uniform && m.labels[size_t((y + dy) * m.width + x + dx)] == label;
      if (!uniform) continue;
      ++checked;
      for (int64_t c = 0; c < 3; ++c)
        wrong += s.image.bytes[size_t((y * m.width + x) * 3 + c)] != label * kLabelValue;
    }
  EXPECT_EQ(wrong, 0) << "of " << checked << " interior pixels";
  return checked;
}

TEST(AugmentTest, GeometricOpsKeepMaskAndImageAligned) {
  std::vector<std::vector<Step>> cases = {
      {{"resize", {{"scale", "0.5,2.0"}, {"aspect", "0.7,1.4"}}}},
      {{"crop", {{"size", "60,70"}}}},
      {{"hflip", {{"p", "1"}}}},
      {{"vflip", {{"p", "1"}}}},
      {{"rotate", {{"p", "1"}, {"degrees", "-40,40"}}}},
      {{"resize", {{"scale", "0.75,1.5"}}},
       {"rotate", {{"p", "0.5"}}},
       {"crop", {{"size", "48,48"}}},
       {"hflip", {}},
       {"vflip", {}}},
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    Pipeline p = Pipeline::from_description(cases[k]);
    for (uint64_t seed = 0; seed < 4; ++seed) {
      SCOPED_TRACE(::testing::Message() << "case " << k << " seed " << seed);
      Sample s = encoded_sample(96, 112);
      Rng rng(seed, 0, 0);
      p.apply(s, rng);
      EXPECT_EQ(s.image.height, s.mask.height);
      EXPECT_EQ(s.image.width, s.mask.width);
      // Enough interior that the check means something.
      EXPECT_GT(expect_aligned(s), s.mask.height * s.mask.width / 10);
    }
  }
}

TEST(AugmentTest, HorizontalFlipOfKnownImage) {
  // 2 rows x 3 columns, 1 channel.
  Sample s = make_sample(2, 3, 1, {1, 2, 3, 4, 5, 6}, {10, 20, 30, 40, 50, 60});
  hflip(s);
  EXPECT_EQ(s.image.bytes, (std::vector<uint8_t>{3, 2, 1, 6, 5, 4}));
  EXPECT_EQ(s.mask.labels, (std::vector<uint8_t>{30, 20, 10, 60, 50, 40}));
  vflip(s);
  EXPECT_EQ(s.image.bytes, (std::vector<uint8_t>{6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(s.mask.labels, (std::vector<uint8_t>{60, 50, 40, 30, 20, 10}));
  // Whole RGB pixels move, channels stay in order.
  Sample rgb = make_sample(1, 2, 3, {1, 2, 3, 4, 5, 6}, {7, 8});
  hflip(rgb);
  EXPECT_EQ(rgb.image.bytes, (std::vector<uint8_t>{4, 5, 6, 1, 2, 3}));
}

TEST(AugmentTest, ResizeUpsamplesMaskByNearestCentre) {
  Sample s = make_sample(2, 2, 1, {0, 100, 200, 40}, {1, 2, 3, 4});
  resize(s, 4, 4);
  EXPECT_EQ(s.mask.labels, (std::vector<uint8_t>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
  // Half-pixel centres: output (0, 1) samples source x = 0.25 -> 0.75 * 0 + 0.25 * 100.
  EXPECT_EQ(s.image.bytes[0], 0);
  EXPECT_EQ(s.image.bytes[1], 25);
  EXPECT_EQ(s.image.bytes[3], 100);
}

TEST(AugmentTest, CropPadsMaskWithIgnore) {
  Sample s = make_sample(2, 2, 1, {1, 2, 3, 4}, {5, 6, 7, 8});
  Pipeline p = Pipeline::from_description({{"crop", {{"size", "3,4"}, {"pad", "9"}}}});
  Rng rng(0, 0, 0);
  p.apply(s, rng);
  EXPECT_EQ(s.image.bytes, (std::vector<uint8_t>{1, 2, 9, 9, 3, 4, 9, 9, 9, 9, 9, 9}));
  EXPECT_EQ(s.mask.labels,
            (std::vector<uint8_t>{5, 6, 255, 255, 7, 8, 255, 255, 255, 255, 255, 255}));
}

TEST(AugmentTest, CropCatMaxRatioPrefersMixedWindows) {
  // Class 0 on the left 24 columns, class 1 on the right 8: a random 8x8 window has no class
  // on 75% of it with probability 3/25; with cat_max_ratio 0.75 up to 11 windows are drawn,
  // and one of them qualifies with probability 1 - (22/25)^11 = 0.75.
  auto mixed_share = [](const char* ratio) {
    Pipeline p =
        Pipeline::from_description({{"crop", {{"size", "8,8"}, {"cat_max_ratio", ratio}}}});
    int mixed = 0;
    for (uint64_t seed = 0; seed < 40; ++seed) {
      std::vector<uint8_t> labels;
      for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 32; ++x) labels.push_back(x >= 24);
      Sample s = make_sample(8, 32, 1, std::vector<uint8_t>(256), labels);
      Rng rng(seed, 0, 0);
      p.apply(s, rng);
      int ones = 0;
      for (uint8_t l : s.mask.labels) ones += l;
      mixed += ones > 16 && ones < 48;  // no class on 75% or more
    }
    return mixed;
  };
  EXPECT_LT(mixed_share("1"), 12);
  EXPECT_GE(mixed_share("0.75"), 24);
}

TEST(AugmentTest, RotationFillsWithIgnore) {
  Sample s = make_sample(9, 9, 1, std::vector<uint8_t>(81, 100), std::vector<uint8_t>(81, 1));
  rotate(s, 45, 7, 255);
  EXPECT_EQ(s.mask.labels[0], 255);  // corners come from outside the source
  EXPECT_EQ(s.mask.labels[80], 255);
  EXPECT_EQ(s.image.bytes[0], 7);
  EXPECT_EQ(s.mask.labels[40], 1);  // the centre stays
  EXPECT_EQ(s.image.bytes[40], 100);
  // 90 degrees clockwise maps pixel centres onto pixel centres: an exact permutation.
  Sample q = make_sample(3, 3, 1, {1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  rotate(q, 90, 0, 255);
  std::vector<uint8_t> clockwise{7, 4, 1, 8, 5, 2, 9, 6, 3};
  EXPECT_EQ(q.image.bytes, clockwise);
  EXPECT_EQ(q.mask.labels, clockwise);
}

Image random_rgb(int64_t pixels, uint64_t seed) {
  Rng rng(seed, 0, 0);
  Image img{1, pixels, 3, 8, {}};
  for (int64_t i = 0; i < pixels * 3; ++i) img.bytes.push_back(uint8_t(rng.randint(0, 256)));
  return img;
}

TEST(AugmentTest, BrightnessAndContrastMatchFormula) {
  Image img = random_rgb(500, 1);
  for (auto [alpha, beta] : {std::pair{1.0, 20.7}, {1.0, -31.2}, {1.37, 0.0}, {0.52, 0.0}}) {
    Image out = img;
    convert(out, alpha, beta);
    // mmseg computes in float32 (numpy keeps the uint8 image's float32) and truncates.
    for (size_t i = 0; i < img.bytes.size(); ++i)
      ASSERT_EQ(out.bytes[i],
                int(std::clamp(img.bytes[i] * float(alpha) + float(beta), 0.f, 255.f)))
          << "alpha " << alpha << " beta " << beta << " value " << int(img.bytes[i]);
  }
}

TEST(AugmentTest, HsvMatchesNaiveFormula) {
  Image img = random_rgb(2000, 2), hsv = img;
  rgb_to_hsv(hsv);
  for (size_t i = 0; i < img.bytes.size(); i += 3) {
    double r = img.bytes[i], g = img.bytes[i + 1], b = img.bytes[i + 2];
    double v = std::max({r, g, b}), d = v - std::min({r, g, b});
    double h = d == 0   ? 0
               : v == r ? 60 * (g - b) / d
               : v == g ? 120 + 60 * (b - r) / d
                        : 240 + 60 * (r - g) / d;
    h = std::fmod(h + 360, 360) / 2;
    double hue_error = std::abs(hsv.bytes[i] - h);
    // OpenCV's fixed-point division adds a little to the rounding error.
    ASSERT_LE(std::min(hue_error, 180 - hue_error), 0.7) << "pixel " << i / 3;
    ASSERT_NEAR(hsv.bytes[i + 1], v == 0 ? 0 : 255 * d / v, 0.55);
    ASSERT_EQ(hsv.bytes[i + 2], v);
  }
  // Back to RGB: within the rounding of H to 2 degrees.
  hsv_to_rgb(hsv);
  for (size_t i = 0; i < img.bytes.size(); ++i)
    ASSERT_NEAR(hsv.bytes[i], img.bytes[i], 7) << "value " << i;
  // A third of the hue circle turns red into green; no saturation leaves grey.
  Image red{1, 1, 3, 8, {255, 0, 0}};
  shift_hue(red, 60);
  EXPECT_EQ(red.bytes, (std::vector<uint8_t>{0, 255, 0}));
  Image grey = img;
  scale_saturation(grey, 0);
  for (size_t i = 0; i < img.bytes.size(); i += 3) {
    uint8_t v = std::max({img.bytes[i], img.bytes[i + 1], img.bytes[i + 2]});
    ASSERT_EQ(grey.bytes[i], v);
    ASSERT_EQ(grey.bytes[i + 1], v);
    ASSERT_EQ(grey.bytes[i + 2], v);
  }
}

TEST(AugmentTest, PhotometricLeavesMaskUntouched) {
  Pipeline p = Pipeline::from_description({{"photometric", {}}, {"blur", {{"p", "1"}}}});
  int changed = 0;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    Sample s = encoded_sample(20, 30), before = s;
    Rng rng(seed, 0, 0);
    p.apply(s, rng);
    EXPECT_EQ(s.mask.labels, before.mask.labels);
    changed += s.image.bytes != before.image.bytes;
  }
  EXPECT_EQ(changed, 8);  // blur always changes the block edges
}

TEST(AugmentTest, GaussianBlurMatchesNaiveConvolution) {
  // An impulse in a 16-bit image becomes the outer product of the 1-D kernel.
  Image img{9, 9, 1, 16, std::vector<uint8_t>(162)};
  reinterpret_cast<uint16_t*>(img.bytes.data())[40] = 60000;
  gaussian_blur(img, 5, 1.3);
  std::vector<double> k;
  double total = 0;
  for (int i = -2; i <= 2; ++i) total += k.emplace_back(std::exp(-i * i / (2 * 1.3 * 1.3)));
  const auto* out = reinterpret_cast<const uint16_t*>(img.bytes.data());
  for (int y = 0; y < 9; ++y)
    for (int x = 0; x < 9; ++x) {
      int dy = y - 4, dx = x - 4;
      double want = std::abs(dy) > 2 || std::abs(dx) > 2
                        ? 0
                        : 60000 * k[size_t(dy + 2)] * k[size_t(dx + 2)] / (total * total);
      ASSERT_NEAR(out[y * 9 + x], want, 0.5) << "at " << y << ", " << x;
    }
}

TEST(AugmentTest, NormalizeToPlanarFloats) {
  Sample s = make_sample(1, 2, 3, {10, 20, 30, 40, 50, 60}, {3, 255});
  Pipeline p =
      Pipeline::from_description({{"normalize", {{"mean", "10,20,30"}, {"std", "2,4,5"}}}});
  auto [image, mask] = to_tensors(s, p.normalize(), DType::I64);
  EXPECT_EQ(image.sizes(), (Shape{3, 1, 2}));
  EXPECT_ALL_CLOSE(image, from_vector<float>({0, 15, 0, 7.5, 0, 6}, {3, 1, 2}), 1e-6, 1e-6);
  EXPECT_EQ(mask.dtype(), DType::I64);
  EXPECT_EQ(mask.to_vector<int64_t>(), (std::vector<int64_t>{3, 255}));
}

TEST(AugmentTest, SameSeedSameResult) {
  Pipeline p = Pipeline::from_description({{"resize", {{"scale", "0.5,2.0"}}},
                                           {"rotate", {}},
                                           {"crop", {{"size", "32,32"}}},
                                           {"hflip", {}},
                                           {"photometric", {}},
                                           {"blur", {}}});
  auto run = [&](uint64_t seed, uint64_t index) {
    Sample s = encoded_sample(50, 60);
    Rng rng(seed, 3, index);
    p.apply(s, rng);
    return s;
  };
  Sample a = run(7, 11), b = run(7, 11);
  EXPECT_EQ(a.image.bytes, b.image.bytes);
  EXPECT_EQ(a.mask.labels, b.mask.labels);
  EXPECT_NE(a.image.bytes, run(7, 12).image.bytes);
  EXPECT_NE(a.image.bytes, run(8, 11).image.bytes);
}

TEST(AugmentTest, DescriptionErrorsNameTheFault) {
  auto build = [](std::vector<Step> steps) { Pipeline::from_description(steps); };
  EXPECT_ERROR(build({{"resise", {}}}),
               "unknown augmentation 'resise'; valid: blur, crop, hflip, "
               "normalize, photometric, resize, rotate, vflip");
  EXPECT_ERROR(build({{"crop", {{"size", "4"}, {"sise", "3"}}}}),
               "'crop': unknown key 'sise'; valid keys: size, cat_max_ratio, pad, ignore");
  EXPECT_ERROR(build({{"crop", {}}}), "'crop': key 'size' is required");
  EXPECT_ERROR(build({{"hflip", {{"p", "abc"}}}}), "'hflip': key 'p' = 'abc' is not a number");
  EXPECT_ERROR(build({{"hflip", {{"p", "1.5"}}}}), "key 'p' = '1.5' must lie in [0, 1]");
  EXPECT_ERROR(build({{"resize", {{"scale", "2,1"}}}}), "key 'scale' = '2,1' must be 'low,high'");
  EXPECT_ERROR(build({{"blur", {{"kernel", "4"}}}}), "key 'kernel' = '4' must be odd");
  EXPECT_ERROR(build({{"normalize", {}}, {"hflip", {}}}), "'normalize' must be the last step");
  Sample s = make_sample(1, 1, 1, {0}, {0});
  Pipeline p = Pipeline::from_description({{"photometric", {}}});
  Rng rng(0, 0, 0);
  EXPECT_ERROR(p.apply(s, rng), "photometric: needs an 8-bit RGB image, got 1 channels");
}

}  // namespace
}  // namespace tessel::data
