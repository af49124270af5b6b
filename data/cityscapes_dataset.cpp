#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "data/datasets.h"
#include "data/mapped_dataset.h"

namespace tessel::data {
namespace {

namespace fs = std::filesystem;

struct CityscapesClass {
  const char* name;
  uint8_t label_id;  // as stored in *_gtFine_labelIds.png
  Rgb colour;
};

// The 19 evaluated classes of cityscapesScripts' labels.py, in trainId order.
constexpr CityscapesClass kClasses[] = {
    {"road", 7, {128, 64, 128}},
    {"sidewalk", 8, {244, 35, 232}},
    {"building", 11, {70, 70, 70}},
    {"wall", 12, {102, 102, 156}},
    {"fence", 13, {190, 153, 153}},
    {"pole", 17, {153, 153, 153}},
    {"traffic light", 19, {250, 170, 30}},
    {"traffic sign", 20, {220, 220, 0}},
    {"vegetation", 21, {107, 142, 35}},
    {"terrain", 22, {152, 251, 152}},
    {"sky", 23, {70, 130, 180}},
    {"person", 24, {220, 20, 60}},
    {"rider", 25, {255, 0, 0}},
    {"car", 26, {0, 0, 142}},
    {"truck", 27, {0, 0, 70}},
    {"bus", 28, {0, 60, 100}},
    {"train", 31, {0, 80, 100}},
    {"motorcycle", 32, {0, 0, 230}},
    {"bicycle", 33, {119, 11, 32}},
};

constexpr const char* kImageSuffix = "_leftImg8bit.png";
constexpr const char* kMaskSuffix = "_gtFine_labelIds.png";

}  // namespace

ClassInfo cityscapes_classes() {
  ClassInfo info;
  for (const CityscapesClass& c : kClasses) {
    info.names.push_back(c.name);
    info.colours.push_back(c.colour);
  }
  return info;
}

std::unique_ptr<Dataset> cityscapes_dataset(const std::string& root, const std::string& split) {
  fs::path images = fs::path(root) / "leftImg8bit" / split,
           masks = fs::path(root) / "gtFine" / split;
  TESSEL_CHECK(fs::is_directory(images), "cityscapes_dataset: folder '", images.string(),
               "' not found");
  std::vector<FilePair> files;
  std::string suffix = kImageSuffix;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(images)) {
    std::string name = e.path().filename().string();
    if (!e.is_regular_file() || !name.ends_with(suffix)) continue;
    fs::path city = e.path().parent_path().filename();
    fs::path mask = masks / city / (name.substr(0, name.size() - suffix.size()) + kMaskSuffix);
    TESSEL_CHECK(fs::is_regular_file(mask), "cityscapes_dataset: image '", e.path().string(),
                 "' has no labels: expected '", mask.string(), "'");
    files.emplace_back(e.path().string(), mask.string());
  }
  TESSEL_CHECK(!files.empty(), "cityscapes_dataset: no *", suffix, " under '", images.string(),
               "'");
  std::sort(files.begin(), files.end());

  LabelTable table{{}, "Cityscapes labelIds -> the 19 trainIds, other ids 255"};
  table.to.fill(255);
  for (size_t t = 0; t < std::size(kClasses); ++t) table.to[kClasses[t].label_id] = int16_t(t);
  return std::make_unique<MappedDataset>(std::move(files), cityscapes_classes(), std::move(table));
}

}  // namespace tessel::data
