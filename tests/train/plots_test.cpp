#include "train/plots.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "data/image_io.h"
#include "tests/data/temp_dir.h"
#include "tests/fixture.h"

namespace tessel::train {
namespace {

using testing::occurrences;

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

// The SVG names both axes with the classes (escaped for XML), colours every cell, labels cells
// with their row share, and gives each cell's count in a tooltip; rows without pixels are grey.
TEST(Plots, ConfusionSvgNamesTheClassesAndTheCounts) {
  ConfusionCounts cm{3, {7, 3, 0, 0, 0, 0, 1, 1, 2}};
  const std::vector<std::string> names{"cat", "dog & <pup>", "sky"};
  const std::string svg = confusion_svg(cm, names);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_EQ(occurrences(svg, ">dog &amp; &lt;pup&gt;</text>"), 2u);  // both axes
  EXPECT_EQ(occurrences(svg, "<rect x="), 10u);                      // 9 cells and the scale
  EXPECT_NE(svg.find("<title>target cat, predicted dog &amp; &lt;pup&gt;: 3 pixels (30.0% of the "
                     "row)</title>"),
            std::string::npos);
  EXPECT_NE(svg.find(">70</text>"), std::string::npos);  // 7 of 10 cat pixels, cell label
  EXPECT_NE(svg.find("<title>target dog &amp; &lt;pup&gt;, predicted sky: 0 pixels</title>"),
            std::string::npos);
  EXPECT_EQ(occurrences(svg, "fill=\"#bbbbbb\""), 3u);  // the empty row
  EXPECT_EQ(occurrences(svg, "<"), occurrences(svg, ">"));
  EXPECT_THROW(confusion_svg(cm, {"a", "b"}), Error);
}

TEST(Plots, ConfusionCsvHasOneRowPerTargetClass) {
  ConfusionCounts cm{2, {5, 1, 2, 9}};
  EXPECT_EQ(confusion_csv(cm, {"road", "car, parked"}),
            "target \\ predicted,road,\"car, parked\"\nroad,5,1\n\"car, parked\",2,9\n");
}

// What confusion_csv writes reads back (the report shows an earlier best evaluation from it).
TEST(Plots, ConfusionCsvReadsBack) {
  testing::TempDir dir;
  ConfusionCounts cm{2, {5, 1, 2, 9}};
  std::ofstream(dir.path("cm.csv")) << confusion_csv(cm, {"road", "car, parked"});
  EXPECT_EQ(read_confusion_csv(dir.path("cm.csv"), 2).counts, cm.counts);
  EXPECT_ERROR(read_confusion_csv(dir.path("cm.csv"), 3),
               dir.path("cm.csv") + ": row 1 has fewer than 3 counts");
  std::ofstream(dir.path("short.csv")) << "target \\ predicted,a,b\na,1,2\n";
  EXPECT_ERROR(read_confusion_csv(dir.path("short.csv"), 2),
               dir.path("short.csv") + ": 1 rows for 2 classes");
}

TEST(Plots, UpscaleNearestRepeatsPixelsToTheMinimumSide) {
  data::Image im{2, 3, 1, 8, {1, 2, 3, 4, 5, 6}};
  const data::Image big = upscale_nearest(im, 5);  // factor 3: 6 x 9
  ASSERT_EQ(big.height, 6);
  ASSERT_EQ(big.width, 9);
  EXPECT_EQ(big.bytes[0], 1);
  EXPECT_EQ(big.bytes[8], 3);
  EXPECT_EQ(big.bytes[size_t(5 * 9 + 4)], 5);
  EXPECT_EQ(upscale_nearest(im, 2).bytes, im.bytes);  // large enough already
}

}  // namespace
}  // namespace tessel::train
