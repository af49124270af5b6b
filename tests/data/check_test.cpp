// The dataset check: each finding triggered by a crafted tiny dataset, class statistics and
// weights against hand-computed values, and the tool's run end to end.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "data/check.h"
#include "data/image_io.h"
#include "data/more_datasets.h"
#include "tests/data/mask_files.h"
#include "tests/data/temp_dir.h"
#include "tests/op_harness.h"

namespace tessel::data {
namespace {

using testing::TempDir;
using testing::write_grey_mask;
using testing::write_image;
using testing::write_rgb_mask;

// "images/<stem>.png", the image paired with mask file "<stem>.<ext>".
std::string image_of(const std::string& mask_name) {
  return "images/" + mask_name.substr(0, mask_name.rfind('.')) + ".png";
}

void image_for(const TempDir& dir, const std::string& mask_name, int64_t h, int64_t w) {
  write_image(dir.path(image_of(mask_name)), h, w);
}

// Masks read as stored, with no format rules in between: what a user's own folder of images and
// masks gives, mistakes included.
class RawFiles : public Dataset {
 public:
  RawFiles(const TempDir& dir, std::vector<std::string> names, int64_t num_classes)
      : dir_(dir), names_(std::move(names)) {
    for (int64_t c = 0; c < num_classes; ++c) classes_.names.push_back("class" + std::to_string(c));
    classes_.colours = voc_palette(int(num_classes));
  }
  size_t size() const override { return names_.size(); }
  Sample get(size_t i) const override {
    std::string image = dir_.path(image_of(names_[i]));
    std::string mask = dir_.path("masks/" + names_[i]);
    return {read_image(image), read_mask(mask), image, mask};
  }
  const ClassInfo& classes() const override { return classes_; }

 private:
  const TempDir& dir_;
  std::vector<std::string> names_;
  ClassInfo classes_;
};

// The finding whose problem mentions `text`; a test failure listing them all when none does.
const Finding* find(const CheckReport& r, const std::string& text) {
  std::string all;
  for (const Finding& f : r.findings) {
    if (f.problem.find(text) != std::string::npos) return &f;
    all += "\n  " + f.problem + (f.examples.empty() ? "" : ": " + f.examples[0]);
  }
  ADD_FAILURE() << "no finding mentions '" << text << "'; findings:" << all;
  return nullptr;
}

TEST(DataCheck, CleanDatasetHasNoErrorsAndCountsPixels) {
  TempDir dir;
  image_for(dir, "a.png", 2, 2);
  write_grey_mask(dir.path("masks/a.png"), 2, 2, {0, 1, 1, 255});
  image_for(dir, "b.png", 1, 2);
  write_grey_mask(dir.path("masks/b.png"), 1, 2, {2, 1});
  CheckReport r = check_dataset(RawFiles(dir, {"a.png", "b.png"}, 3));
  EXPECT_EQ(r.errors(), 0u);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.stats.pixels, (std::vector<int64_t>{1, 3, 1}));
  EXPECT_EQ(r.stats.images, (std::vector<int64_t>{1, 2, 1}));
  EXPECT_EQ(r.stats.ignored, 1);
}

TEST(DataCheck, BinaryMasksIn0And255AreAnErrorWhenNoForegroundIsLeft) {
  TempDir dir;
  for (const char* name : {"a.png", "b.png"}) {
    image_for(dir, name, 1, 2);
    write_grey_mask(dir.path(std::string("masks/") + name), 1, 2, {0, 255});
  }
  CheckReport r = check_dataset(RawFiles(dir, {"a.png", "b.png"}, 2));
  const Finding* f = find(r, "only 0 and 255");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->error);
  EXPECT_EQ(f->count, 2);
  EXPECT_NE(f->examples[0].find("a.png"), std::string::npos);
  EXPECT_NE(f->advice.find("Divide"), std::string::npos);

  // With class 1 present elsewhere, a lone 0/255 mask may be legitimate: a warning.
  write_grey_mask(dir.path("masks/b.png"), 1, 2, {0, 1});
  r = check_dataset(RawFiles(dir, {"a.png", "b.png"}, 2));
  ASSERT_NE(find(r, "only 0 and 255"), nullptr);
  EXPECT_FALSE(find(r, "only 0 and 255")->error);
  EXPECT_EQ(r.errors(), 0u);
}

TEST(DataCheck, ColourMasksWhereIndicesWereMeant) {
  TempDir dir;
  image_for(dir, "a.png", 1, 2);
  write_rgb_mask(dir.path("masks/a.png"), 1, 2, {{128, 0, 0}, {0, 0, 0}});
  CheckReport r = check_dataset(RawFiles(dir, {"a.png"}, 21));
  const Finding* f = find(r, "colour (RGB) masks");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->error);
  EXPECT_NE(f->examples[0].find("a.png"), std::string::npos);
  EXPECT_NE(f->advice.find("single-channel PNG"), std::string::npos);
}

TEST(DataCheck, JpegMasks) {
  TempDir dir;
  image_for(dir, "a.jpg", 8, 8);
  write_jpeg(dir.path("masks/a.jpg"), Image{8, 8, 1, 8, std::vector<uint8_t>(64, 1)});
  image_for(dir, "b.png", 1, 1);
  write_grey_mask(dir.path("masks/b.png"), 1, 1, {1});
  CheckReport r = check_dataset(RawFiles(dir, {"a.jpg", "b.png"}, 2));
  const Finding* f = find(r, "JPEG masks");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->count, 1);
  EXPECT_NE(f->examples[0].find("a.jpg"), std::string::npos);
  EXPECT_GE(r.errors(), 1u);
}

TEST(DataCheck, LabelsBeyondTheClassesNameTheValues) {
  TempDir dir;
  for (int i = 0; i < 7; ++i) {
    std::string name = std::to_string(i);  // built in steps: GCC 12 -Wrestrict false positive
    name = "m" + name + ".png";
    image_for(dir, name, 1, 3);
    write_grey_mask(dir.path("masks/" + name), 1, 3, {0, uint8_t(3 + i % 2), 255});
  }
  CheckReport r = check_dataset(
      RawFiles(dir, {"m0.png", "m1.png", "m2.png", "m3.png", "m4.png", "m5.png", "m6.png"}, 3), 5);
  const Finding* f = find(r, "neither a class nor the ignore index");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->problem.find("values 3, 4; classes are 0..2, ignore index 255"), std::string::npos);
  EXPECT_EQ(f->count, 7);
  EXPECT_EQ(f->examples.size(), 5u);  // the first few, not all
  EXPECT_EQ(r.stats.out_of_range, 7);

  std::ostringstream out;
  print_report(out, r, RawFiles(dir, {}, 3).classes());
  EXPECT_NE(out.str().find("... and 2 more"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("FAILED"), std::string::npos);
}

// Formats that check their labels refuse such masks; the check still names the values.
TEST(DataCheck, LabelsBeyondTheClassesInAFormatThatRefusesThem) {
  TempDir dir;
  dir.write_text("dataset_meta.json", R"({"labels": ["background", "thing"]})");
  write_image(dir.path("images/a.png"), 1, 2);
  write_grey_mask(dir.path("masks/a.png"), 1, 2, {1, 7});
  CheckReport r = check_dataset(*datumaro_dataset(dir.root().string()));
  const Finding* f = find(r, "neither a class nor the ignore index (values 7;");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->examples[0].find("a.png: value 7"), std::string::npos);
  EXPECT_EQ(r.errors(), 1u);
}

TEST(DataCheck, SizeMismatchAndUnreadableSamples) {
  TempDir dir;
  image_for(dir, "a.png", 2, 2);
  write_grey_mask(dir.path("masks/a.png"), 1, 2, {0, 1});
  image_for(dir, "gone.png", 1, 1);
  CheckReport r = check_dataset(RawFiles(dir, {"a.png", "gone.png"}, 2));
  const Finding* size = find(r, "different sizes");
  ASSERT_NE(size, nullptr);
  EXPECT_NE(size->examples[0].find("a.png: image 2x2, mask 1x2"), std::string::npos);
  const Finding* unreadable = find(r, "could not be read");
  ASSERT_NE(unreadable, nullptr);
  EXPECT_NE(unreadable->examples[0].find("gone.png"), std::string::npos);
  EXPECT_EQ(r.errors(), 2u);
}

TEST(DataCheck, ClassStatisticsFromHistograms) {
  ClassStats s(3);
  s.add(label_histogram(Mask{1, 5, {0, 0, 2, 255, 9}}), 255);
  s.add(label_histogram(Mask{1, 2, {2, 2}}), 255);
  EXPECT_EQ(s.pixels, (std::vector<int64_t>{2, 0, 3}));
  EXPECT_EQ(s.images, (std::vector<int64_t>{1, 0, 2}));
  EXPECT_EQ(s.ignored, 1);
  EXPECT_EQ(s.out_of_range, 1);
  EXPECT_EQ(s.labelled(), 5);
}

void expect_near_all(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-9) << "class " << i;
}

TEST(DataCheck, ClassWeightsAgainstHandComputedValues) {
  // Frequencies 0.6, 0.3, 0.1 and an absent class; each scheme scaled so present classes average 1.
  const std::vector<int64_t> counts = {60, 30, 10, 0};
  // 1/f = 5/3, 10/3, 10 (sum 15) times 3/15.
  expect_near_all(inverse_frequency_weights(counts), {1.0 / 3, 2.0 / 3, 2.0, 0});
  expect_near_all(inverse_sqrt_weights(counts),
                  {0.6168139402787046, 0.8723066398029323, 1.5108794199183628, 0});
  // 1 / ln(1.02 + f): 2.0729, 3.6019, 8.8240 before scaling.
  expect_near_all(inverse_log_weights(counts),
                  {0.4289069807399098, 0.7452892296738705, 1.8258037895862196, 0});
  // (1 - 0.9) / (1 - 0.9^n) for n = 60, 30, 10.
  expect_near_all(effective_number_weights(counts, 0.9),
                  {0.839167395372713, 0.8747406732493586, 1.2860919313779282, 0});
  expect_near_all(effective_number_weights(counts, 0.0), {1, 1, 1, 0});

  // Pixel counts in the billions with beta near 1 still tell classes apart:
  // (1 - e^-10) / (1 - e^-0.01).
  std::vector<double> w = effective_number_weights({1000000000, 1000000}, 1 - 1e-8);
  EXPECT_NEAR(w[1] / w[0], 100.49627060117064, 1e-5);
  EXPECT_ERROR(effective_number_weights(counts, 1.0), "beta = 1");
  EXPECT_ERROR(inverse_log_weights(counts, 1.0), "c = 1");
}

// The tool's command end to end on tiny folder datasets on disk: report, statistics, exit codes.
TEST(DataCheck, ToolRunOnTinyFolderDatasets) {
  TempDir dir;
  dir.write_text("good/classes.txt", "background\nthing\n");
  write_image(dir.path("good/images/a.png"), 1, 4);
  write_grey_mask(dir.path("good/masks/a.png"), 1, 4, {0, 0, 0, 1});
  std::ostringstream out;
  EXPECT_EQ(run_check("folder", dir.path("good"), "", out), 0) << out.str();
  EXPECT_NE(out.str().find("1 samples, 2 classes"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("thing"), std::string::npos);
  EXPECT_NE(out.str().find("75.00%"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("OK: 0 error(s)"), std::string::npos);

  dir.write_text("data/train/classes.txt", "background\nthing\n");
  write_image(dir.path("data/train/images/a.png"), 1, 2);
  write_grey_mask(dir.path("data/train/masks/a.png"), 1, 2, {0, 255});
  std::ostringstream bad;
  EXPECT_EQ(run_check("folder", dir.path("data"), "train", bad), 1);
  EXPECT_NE(bad.str().find("ERROR: 1 of 1 samples have masks holding only 0 and 255"),
            std::string::npos)
      << bad.str();
  EXPECT_NE(bad.str().find("train/masks/a.png"), std::string::npos);

  // Every pixel ignored: no class has pixels, and the table says "-" where a weight would be
  // 0 / 0 (it printed -nan).
  dir.write_text("void/classes.txt", "background\nthing\n");
  write_image(dir.path("void/images/a.png"), 1, 2);
  write_grey_mask(dir.path("void/masks/a.png"), 1, 2, {255, 255});
  std::ostringstream none;
  run_check("folder", dir.path("void"), "", none);
  EXPECT_EQ(none.str().find("nan"), std::string::npos) << none.str();
  EXPECT_NE(none.str().find("         -         -         -         -"), std::string::npos)
      << none.str();

  std::ostringstream unknown;
  EXPECT_EQ(run_check("nonsense", dir.path("good"), "", unknown), 1);
  EXPECT_NE(unknown.str().find("unknown format 'nonsense'"), std::string::npos);
}

}  // namespace
}  // namespace tessel::data
