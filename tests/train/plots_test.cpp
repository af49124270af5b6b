#include "train/plots.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "data/image_io.h"
#include "tests/data/temp_dir.h"

namespace tessel::train {
namespace {

data::Rgb pixel(const data::Image& img, int64_t y, int64_t x) {
  const auto i = size_t((y * img.width + x) * img.channels);
  return {img.bytes[i], img.bytes[i + 1], img.bytes[i + 2]};
}

TEST(Plots, HeatRampEnds) {
  EXPECT_EQ(heat_colour(0), (data::Rgb{68, 1, 84}));
  EXPECT_EQ(heat_colour(1), (data::Rgb{253, 231, 37}));
  EXPECT_EQ(heat_colour(2), heat_colour(1));
}

TEST(Plots, ConfusionPngHasNormalisedRows) {
  testing::TempDir dir;
  ConfusionCounts cm{3, {10, 0, 0, 0, 5, 5, 0, 0, 0}};
  const std::string path = dir.path("cm.png");
  write_confusion_png(path, cm, 4);
  const data::Image img = data::read_image(path);
  ASSERT_EQ(img.height, 12);
  ASSERT_EQ(img.width, 12);
  ASSERT_EQ(img.channels, 3);
  EXPECT_EQ(pixel(img, 0, 0), heat_colour(1));
  EXPECT_EQ(pixel(img, 3, 7), heat_colour(0));
  EXPECT_EQ(pixel(img, 5, 5), heat_colour(0.5));
  EXPECT_EQ(pixel(img, 6, 11), heat_colour(0.5));
  EXPECT_EQ(pixel(img, 9, 2), (data::Rgb{128, 128, 128}));  // a class with no pixels
}

TEST(Plots, ConfusionImageOf200ClassesFits800Pixels) {
  ConfusionCounts cm{200, std::vector<int64_t>(200 * 200, 1)};
  const data::Image img = confusion_image(cm);
  EXPECT_EQ(img.height, 800);
  EXPECT_EQ(img.width, 800);
  EXPECT_THROW(confusion_image({3, {1, 2}}), Error);
}

TEST(Plots, OverlayBlendsPaletteColours) {
  testing::TempDir dir;
  data::Image img{2, 2, 3, 8, {0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255}};
  data::Mask mask{2, 2, {0, 1, 255, 2}};
  const std::vector<data::Rgb> palette{{0, 0, 0}, {200, 0, 0}, {0, 100, 0}};
  const std::string path = dir.path("overlay.png");
  data::write_png(path, overlay(img, mask, palette, 0.5));
  const data::Image out = data::read_image(path);
  ASSERT_EQ(out.height, 2);
  ASSERT_EQ(out.channels, 3);
  EXPECT_EQ(pixel(out, 0, 0), (data::Rgb{0, 0, 0}));
  EXPECT_EQ(pixel(out, 0, 1), (data::Rgb{150, 50, 50}));
  EXPECT_EQ(pixel(out, 1, 0), (data::Rgb{200, 200, 200}));  // no palette entry: unchanged
  EXPECT_EQ(pixel(out, 1, 1), (data::Rgb{128, 178, 128}));
  data::Image grey{2, 2, 1, 8, {10, 20, 30, 40}};
  EXPECT_EQ(pixel(overlay(grey, mask, palette, 0.0), 1, 1), (data::Rgb{40, 40, 40}));
  EXPECT_THROW(overlay(grey, data::Mask{1, 1, {0}}, palette), Error);
}

}  // namespace
}  // namespace tessel::train
