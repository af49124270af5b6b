// Folder, Pascal VOC, Cityscapes and ADE20K on tiny fixtures written in each format's on-disk
// layout, and the synthetic dataset's determinism, thread safety and difficulty.
#include "data/datasets.h"

#include <gtest/gtest.h>

#include <array>
#include <thread>

#include "data/image_io.h"
#include "tests/data/mask_files.h"
#include "tests/data/temp_dir.h"
#include "tests/op_harness.h"

namespace tessel::data {
namespace {

using testing::TempDir;
using testing::write_grey_mask;
using testing::write_image;
using testing::write_rgb_mask;

void write_jpeg_image(const std::string& path, int64_t h, int64_t w) {
  write_jpeg(path, Image{h, w, 3, 8, std::vector<uint8_t>(static_cast<size_t>(h * w * 3), 90)});
}

TEST(Datasets, FolderPairsByStemWithAnyImageExtension) {
  TempDir dir;
  dir.write_text("classes.txt", "background\ncar\n\ntraffic light\n");
  write_image(dir.path("images/a.png"), 2, 3);
  write_jpeg_image(dir.path("images/b.jpg"), 4, 5);
  write_grey_mask(dir.path("masks/a.png"), 2, 3, {0, 1, 2, 255, 1, 0});
  write_grey_mask(dir.path("masks/b.png"), 4, 5, std::vector<uint8_t>(20, 2));
  auto ds = folder_dataset(dir.root().string());
  ASSERT_EQ(ds->size(), 2u);
  EXPECT_EQ(ds->classes().names, (std::vector<std::string>{"background", "car", "traffic light"}));
  EXPECT_EQ(ds->classes().colours.size(), 3u);
  Sample a = ds->get(0), b = ds->get(1);
  EXPECT_EQ(a.mask.labels, (std::vector<uint8_t>{0, 1, 2, 255, 1, 0}));
  EXPECT_EQ(b.image.height, 4);
  EXPECT_EQ(b.image.width, 5);
  EXPECT_EQ(b.image.channels, 3);
  EXPECT_NE(b.image_path.find("b.jpg"), std::string::npos);
}

TEST(Datasets, FolderDecodesColourMasksThroughTheClassList) {
  TempDir dir;
  dir.write_text("classes.txt", "background 0 0 0\nroad 128 64 128\nsky 70 130 180\n");
  write_image(dir.path("images/x.png"), 1, 3);
  write_rgb_mask(dir.path("masks/x.png"), 1, 3, {{70, 130, 180}, {0, 0, 0}, {128, 64, 128}});
  auto ds = folder_dataset(dir.root().string());
  EXPECT_EQ(ds->classes().colours[1], (Rgb{128, 64, 128}));
  EXPECT_EQ(ds->get(0).mask.labels, (std::vector<uint8_t>{2, 0, 1}));
}

TEST(Datasets, FolderErrorsNameUnmatchedStemsAndBadLabels) {
  TempDir dir;
  dir.write_text("classes.txt", "background\nthing\n");
  for (const char* stem : {"a", "b", "c"})
    write_image(dir.path(std::string("images/") + stem + ".png"), 1, 1);
  write_grey_mask(dir.path("masks/a.png"), 1, 1, {5});
  write_grey_mask(dir.path("masks/d.png"), 1, 1, {0});
  EXPECT_ERROR(folder_dataset(dir.root().string()),
               "2 image(s) without a mask [b, c], 1 mask(s) without an image [d]");
  std::filesystem::remove(dir.path("images/b.png"));
  std::filesystem::remove(dir.path("images/c.png"));
  std::filesystem::remove(dir.path("masks/d.png"));
  auto ds = folder_dataset(dir.root().string());
  EXPECT_ERROR(ds->get(0), dir.path("masks/a.png") + ": value 5 is not a label");
  dir.write_text("classes.txt", "background 0 0 0\nthing\n");
  EXPECT_ERROR(folder_dataset(dir.root().string()), "line 2 ('thing'): give a colour for every");
}

// VOC: JPEG images, palette masks with the 256-entry VOC palette and 255 on object boundaries.
TEST(Datasets, VocReadsPaletteMasksAndPrefersTheAugmentedTrainingSet) {
  TempDir dir;
  const std::string seg = "ImageSets/Segmentation/";
  for (const char* id : {"2007_000032", "2007_000039", "2007_000063"}) {
    write_jpeg_image(dir.path(std::string("JPEGImages/") + id + ".jpg"), 2, 2);
    write_palette_png(dir.path(std::string("SegmentationClass/") + id + ".png"),
                      Mask{2, 2, {0, 15, 255, 20}}, voc_palette(256));
  }
  dir.write_text(seg + "train.txt", "2007_000032\n2007_000039\n");
  dir.write_text(seg + "val.txt", "2007_000063\n");
  auto classes = voc_classes();
  ASSERT_EQ(classes.num_classes(), 21);
  EXPECT_EQ(classes.names[15], "person");
  EXPECT_EQ(classes.colours[15], (Rgb{192, 128, 128}));
  EXPECT_EQ(voc_dataset(dir.root().string(), "train")->size(), 2u);
  auto val = voc_dataset(dir.root().string(), "val");
  ASSERT_EQ(val->size(), 1u);
  EXPECT_EQ(val->get(0).mask.labels, (std::vector<uint8_t>{0, 15, 255, 20}));

  dir.write_text(seg + "train_aug.txt", "2007_000032\n2007_000039\n2007_000063\n");
  for (const char* id : {"2007_000032", "2007_000039", "2007_000063"})
    write_grey_mask(dir.path(std::string("SegmentationClassAug/") + id + ".png"), 2, 2,
                    {1, 2, 3, 4});
  auto aug = voc_dataset(dir.root().string(), "train");
  ASSERT_EQ(aug->size(), 3u);
  EXPECT_NE(aug->get(2).mask_path.find("SegmentationClassAug"), std::string::npos);
  EXPECT_EQ(aug->get(2).mask.labels, (std::vector<uint8_t>{1, 2, 3, 4}));

  dir.write_text(seg + "val.txt", "2007_000063\n2008_999999\n");
  EXPECT_ERROR(voc_dataset(dir.root().string(), "val"),
               "are missing: '" + dir.path("JPEGImages/2008_999999.jpg") + "'");
}

TEST(Datasets, CityscapesMapsLabelIdsToTrainIds) {
  TempDir dir;
  for (const std::string city : {"aachen", "bremen"}) {
    std::string name = city + "_000000_000019";
    write_image(dir.path("leftImg8bit/train/" + city + "/" + name + "_leftImg8bit.png"), 2, 3);
    write_grey_mask(dir.path("gtFine/train/" + city + "/" + name + "_gtFine_labelIds.png"), 2, 3,
                    {26, 0, 7, 33, 24, 1});
    write_grey_mask(dir.path("gtFine/train/" + city + "/" + name + "_gtFine_instanceIds.png"), 2, 3,
                    {0, 0, 0, 0, 0, 0});
  }
  auto ds = cityscapes_dataset(dir.root().string(), "train");
  ASSERT_EQ(ds->size(), 2u);
  ASSERT_EQ(ds->classes().num_classes(), 19);
  EXPECT_EQ(ds->classes().names[13], "car");
  EXPECT_EQ(ds->classes().colours[0], (Rgb{128, 64, 128}));
  Sample s = ds->get(1);
  EXPECT_NE(s.image_path.find("bremen"), std::string::npos);
  EXPECT_EQ(s.mask.labels, (std::vector<uint8_t>{13, 255, 0, 18, 11, 255}));

  write_image(dir.path("leftImg8bit/train/bremen/bremen_000001_000019_leftImg8bit.png"), 2, 3);
  EXPECT_ERROR(cityscapes_dataset(dir.root().string(), "train"),
               dir.path("gtFine/train/bremen/bremen_000001_000019_gtFine_labelIds.png"));
}

TEST(Datasets, Ade20kIgnoresOtherAndShiftsLabelsDown) {
  TempDir dir;
  write_jpeg_image(dir.path("images/validation/ADE_val_00000001.jpg"), 2, 2);
  write_grey_mask(dir.path("annotations/validation/ADE_val_00000001.png"), 2, 2, {0, 1, 150, 13});
  auto ds = ade20k_dataset(dir.root().string(), "validation");
  ASSERT_EQ(ds->size(), 1u);
  ASSERT_EQ(ds->classes().num_classes(), 150);
  EXPECT_EQ(ds->classes().names[0], "wall");
  EXPECT_EQ(ds->classes().names[12], "person");
  EXPECT_EQ(ds->classes().names[149], "flag");
  EXPECT_EQ(ds->get(0).mask.labels, (std::vector<uint8_t>{255, 0, 149, 12}));
  write_grey_mask(dir.path("annotations/validation/ADE_val_00000001.png"), 1, 1, {151});
  EXPECT_ERROR(ds->get(0), "ADE_val_00000001.png: value 151 is not a label");
}

bool same(const Sample& a, const Sample& b) {
  return a.image.bytes == b.image.bytes && a.mask.labels == b.mask.labels;
}

TEST(Datasets, SyntheticIsDeterministicFromAnyThread) {
  SyntheticDataset ds({.count = 16, .height = 24, .width = 40, .seed = 7});
  std::vector<Sample> serial;
  for (size_t i = 0; i < ds.size(); ++i) serial.push_back(ds.get(i));
  EXPECT_EQ(serial[3].image.height, 24);
  EXPECT_EQ(serial[3].image.width, 40);
  EXPECT_EQ(serial[3].image.bytes.size(), 24u * 40 * 3);
  EXPECT_TRUE(same(SyntheticDataset({.count = 16, .height = 24, .width = 40, .seed = 7}).get(5),
                   serial[5]));
  EXPECT_FALSE(same(SyntheticDataset({.count = 16, .height = 24, .width = 40, .seed = 8}).get(5),
                    serial[5]));
  EXPECT_FALSE(same(serial[4], serial[5]));

  std::vector<Sample> threaded(ds.size());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 4; ++t)  // each thread takes every 4th sample, last first
    threads.emplace_back([&, t] {
      for (size_t i = ds.size() - 1 - t; i < ds.size(); i -= 4) threaded[i] = ds.get(i);
    });
  for (auto& th : threads) th.join();
  for (size_t i = 0; i < ds.size(); ++i)
    EXPECT_TRUE(same(threaded[i], serial[i])) << "sample " << i;
}

// Every class is drawn, and classifying pixels by their colour alone (nearest class mean) is far
// from perfect: the network has to look at shape and texture.
TEST(Datasets, SyntheticDrawsEveryClassAndColourAloneIsNotEnough) {
  SyntheticDataset ds({.count = 48, .height = 48, .width = 48, .seed = 1});
  const int k = int(ds.classes().num_classes());
  ASSERT_EQ(k, 6);
  std::vector<std::array<double, 4>> sums(static_cast<size_t>(k), {0, 0, 0, 0});
  std::vector<Sample> samples;
  for (size_t i = 0; i < ds.size(); ++i) samples.push_back(ds.get(i));
  for (const Sample& s : samples)
    for (size_t p = 0; p < s.mask.labels.size(); ++p) {
      auto& acc = sums[s.mask.labels[p]];
      for (int c = 0; c < 3; ++c) acc[size_t(c)] += s.image.bytes[3 * p + size_t(c)];
      acc[3] += 1;
    }
  for (int c = 0; c < k; ++c) ASSERT_GT(sums[size_t(c)][3], 100) << "class " << c << " is rare";
  double correct = 0, total = 0;
  for (const Sample& s : samples)
    for (size_t p = 0; p < s.mask.labels.size(); ++p) {
      int best = 0;
      double best_d = 1e30;
      for (int c = 0; c < k; ++c) {
        double d = 0;
        for (int ch = 0; ch < 3; ++ch) {
          double diff =
              s.image.bytes[3 * p + size_t(ch)] - sums[size_t(c)][size_t(ch)] / sums[size_t(c)][3];
          d += diff * diff;
        }
        if (d < best_d) best_d = d, best = c;
      }
      correct += best == s.mask.labels[p];
      total += 1;
    }
  EXPECT_LT(correct / total, 0.6) << "pixel colour alone separates the classes";
}

}  // namespace
}  // namespace tessel::data
