// COCO-Stuff, Mapillary, Supervisely and Datumaro on tiny fixtures written in each format's exact
// on-disk layout, plus the class colours their JSON metadata writes.
#include <gtest/gtest.h>

#include "data/image_io.h"
#include "data/json_colour.h"
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

TEST(MoreDatasets, JsonColoursAreRgbTriples) {
  const Json json = parse_json(
      R"({"c": [0, 128, 255], "d": [1, 2], "e": [1, -2, 3], "f": [1, 2.5, 3]})", "doc.json");
  const JsonRef doc = JsonRef::document(json, "doc.json");
  EXPECT_EQ(rgb_of(doc.at("c")), (Rgb{0, 128, 255}));
  EXPECT_ERROR(rgb_of(doc.at("d")), "doc.json: d has 2 entries, expected a colour [r, g, b]");
  EXPECT_ERROR(rgb_of(doc.at("e")), "doc.json: e[1] = -2 outside 0..255");
  EXPECT_ERROR(rgb_of(doc.at("f")), "doc.json: f[1] is 2.5, expected a 64-bit integer");
}

TEST(MoreDatasets, CocoStuffRemapsRawIdsTo171Classes) {
  ClassInfo classes = coco_stuff_classes();
  ASSERT_EQ(classes.num_classes(), 171);
  EXPECT_EQ(classes.names[11], "stop sign");  // id 13: after the unused id 12
  EXPECT_EQ(classes.names[80], "banner");     // id 92: the first stuff class
  EXPECT_EQ(classes.names[170], "wood");      // id 182
  EXPECT_EQ(classes.colours.size(), 171u);

  TempDir dir;
  write_image(dir.path("images/val2017/000000000139.jpg"), 2, 3);
  // Stored id - 1: person, street sign (unused), stop sign, banner, wood, unlabeled.
  write_grey_mask(dir.path("stuffthingmaps_trainval2017/val2017/000000000139.png"), 2, 3,
                  {0, 11, 12, 91, 181, 255});
  auto ds = coco_stuff_dataset(dir.root().string(), "val2017");
  ASSERT_EQ(ds->size(), 1u);
  Sample s = ds->get(0);
  EXPECT_EQ(s.mask.labels, (std::vector<uint8_t>{0, 255, 11, 80, 170, 255}));
  EXPECT_EQ(s.image.height, 2);

  write_grey_mask(dir.path("stuffthingmaps_trainval2017/val2017/000000000139.png"), 1, 1, {200});
  EXPECT_ERROR(ds->get(0), "000000000139.png: value 200 is not a label");
  EXPECT_ERROR(coco_stuff_dataset(dir.root().string(), "train2017"), "images/train2017");
}

TEST(MoreDatasets, CocoStuffReadsMapsDirectlyInTheMapsFolder) {
  TempDir dir;
  write_image(dir.path("images/train2017/a.jpg"), 1, 2);
  write_grey_mask(dir.path("stuffthingmaps_trainval2017/a.png"), 1, 2, {1, 2});
  auto ds = coco_stuff_dataset(dir.root().string(), "train2017");
  EXPECT_EQ(ds->get(0).mask.labels, (std::vector<uint8_t>{1, 2}));
}

const char* kMapillaryConfig = R"({
  "labels": [
    {"color": [128, 64, 128], "instances": false, "readable": "Road",
     "name": "construction--flat--road", "evaluate": true},
    {"color": [70, 130, 180], "instances": false, "readable": "Sky", "name": "nature--sky",
     "evaluate": true},
    {"color": [0, 0, 0], "instances": false, "readable": "Unlabeled", "name": "void--unlabeled",
     "evaluate": false}
  ],
  "version": "%s", "mapping": "public", "folder_structure": "{split}/{content}/{key}.{ext}"
})";

std::string mapillary_config(const std::string& version) {
  std::string text = kMapillaryConfig;
  return text.replace(text.find("%s"), 2, version);
}

TEST(MoreDatasets, MapillaryV12PaletteLabelsWithEvaluateFalseAsIgnore) {
  TempDir dir;
  dir.write_text("config.json", mapillary_config("1.2"));
  write_image(dir.path("validation/images/key0.jpg"), 2, 2);
  Mask labels{2, 2, {0, 1, 2, 1}};
  write_palette_png(dir.path("validation/labels/key0.png"), labels,
                    {{128, 64, 128}, {70, 130, 180}, {0, 0, 0}});
  auto ds = mapillary_dataset(dir.root().string(), "validation", "v1.2");
  EXPECT_EQ(ds->classes().names, (std::vector<std::string>{"Road", "Sky", "Unlabeled"}));
  EXPECT_EQ(ds->classes().colours[1], (Rgb{70, 130, 180}));
  EXPECT_EQ(ds->get(0).mask.labels, (std::vector<uint8_t>{0, 1, 255, 1}));
}

TEST(MoreDatasets, MapillaryV20RgbLabelsThroughTheConfigColours) {
  TempDir dir;
  dir.write_text("config_v2.0.json", mapillary_config("2.0"));
  write_image(dir.path("training/images/key0.jpg"), 1, 3);
  write_rgb_mask(dir.path("training/v2.0/labels/key0.png"), 1, 3,
                 {{70, 130, 180}, {0, 0, 0}, {128, 64, 128}});
  auto ds = mapillary_dataset(dir.root().string(), "training", "v2.0");
  EXPECT_EQ(ds->get(0).mask.labels, (std::vector<uint8_t>{1, 255, 0}));

  write_rgb_mask(dir.path("training/v2.0/labels/key0.png"), 1, 1, {{1, 2, 3}});
  EXPECT_ERROR(ds->get(0), "key0.png: colour (1, 2, 3)");
}

TEST(MoreDatasets, MapillaryConfigErrorsNameTheFileAndKey) {
  TempDir dir;
  dir.write_text("config.json", R"({"labels": [{"name": "a", "color": [1, 2, 3]}]})");
  EXPECT_ERROR(mapillary_dataset(dir.root().string(), "training"),
               "config.json: labels[0] has no key 'evaluate'");
  dir.write_text("config.json",
                 R"({"labels": [{"name": "a", "color": [1, 2, 300], "evaluate": true}]})");
  EXPECT_ERROR(mapillary_dataset(dir.root().string(), "training"), "labels[0].color[2] = 300");
  EXPECT_ERROR(mapillary_dataset(dir.root().string() + "/nowhere", "training"), "no config");
}

TEST(MoreDatasets, SuperviselyReads0_1And0_255AndRgbMasksAsPerson) {
  TempDir dir;
  for (const char* name : {"a", "b", "c"})
    write_image(dir.path(std::string("images/") + name + ".jpg"), 1, 2);
  write_grey_mask(dir.path("masks/a.png"), 1, 2, {0, 255});
  write_grey_mask(dir.path("masks/b.png"), 1, 2, {1, 0});
  write_rgb_mask(dir.path("masks/c.png"), 1, 2, {{255, 255, 255}, {0, 0, 0}});
  auto ds = supervisely_persons_dataset(dir.root().string());
  EXPECT_EQ(ds->classes().names, (std::vector<std::string>{"background", "person"}));
  ASSERT_EQ(ds->size(), 3u);
  EXPECT_EQ(ds->get(0).mask.labels, (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(ds->get(1).mask.labels, (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(ds->get(2).mask.labels, (std::vector<uint8_t>{1, 0}));

  write_grey_mask(dir.path("masks/b.png"), 1, 2, {7, 0});
  EXPECT_ERROR(ds->get(1), "b.png: value 7 is not a label");
  std::filesystem::remove(dir.path("masks/c.png"));
  EXPECT_ERROR(supervisely_persons_dataset(dir.root().string()), "c.jpg' has no mask");
}

TEST(MoreDatasets, DatumaroRgbMasksThroughSegmentationColoursInASplit) {
  TempDir dir;
  dir.write_text("train/dataset_meta.json", R"({
    "label_map": {"1": "car", "0": "background", "2": "person"},
    "segmentation_colors": [[0, 0, 0], [255, 0, 0], [0, 0, 255]],
    "background_label": "0"})");
  write_image(dir.path("train/images/img1.png"), 1, 3);
  write_rgb_mask(dir.path("train/masks/img1.png"), 1, 3, {{0, 0, 255}, {0, 0, 0}, {255, 0, 0}});
  auto ds = datumaro_dataset(dir.root().string(), "train");
  EXPECT_EQ(ds->classes().names, (std::vector<std::string>{"background", "car", "person"}));
  EXPECT_EQ(ds->classes().colours[2], (Rgb{0, 0, 255}));
  EXPECT_EQ(ds->get(0).mask.labels, (std::vector<uint8_t>{2, 0, 1}));
  EXPECT_ERROR(datumaro_dataset(dir.root().string(), "val"), "split 'val' not found");
}

TEST(MoreDatasets, DatumaroIndexMasksAndMetaErrors) {
  TempDir dir;
  dir.write_text("dataset_meta.json", R"({"labels": ["bg", "fg"]})");
  write_image(dir.path("images/x.png"), 1, 2);
  write_grey_mask(dir.path("masks/x.png"), 1, 2, {1, 255});
  auto ds = datumaro_dataset(dir.root().string());
  EXPECT_EQ(ds->get(0).mask.labels, (std::vector<uint8_t>{1, 255}));
  write_grey_mask(dir.path("masks/x.png"), 1, 2, {1, 5});
  EXPECT_ERROR(ds->get(0), "x.png: value 5 is not a label");

  dir.write_text("dataset_meta.json", R"({"label_map": {"0": "a", "2": "c"}})");
  EXPECT_ERROR(datumaro_dataset(dir.root().string()), "label_map names no class 1");
  dir.write_text("dataset_meta.json", R"({"label_map": {"zero": "a"}})");
  EXPECT_ERROR(datumaro_dataset(dir.root().string()), "key 'zero' is not a class index");
  dir.write_text("dataset_meta.json",
                 R"({"label_map": {"0": "a", "1": "b"}, "segmentation_colors": [[0, 0, 0]]})");
  EXPECT_ERROR(datumaro_dataset(dir.root().string()), "segmentation_colors has 1 colours for 2");
}

}  // namespace
}  // namespace tessel::data
