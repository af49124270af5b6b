#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "data/datasets.h"
#include "data/image_io.h"
#include "data/mapped_dataset.h"

namespace tessel::data {
namespace {

namespace fs = std::filesystem;

// Image ids, one a line. Some SBD lists hold "/JPEGImages/<id>.jpg /SegmentationClassAug/<id>.png"
// pairs instead, so the id is the stem of the first token.
std::vector<std::string> read_ids(const fs::path& list) {
  std::ifstream in(list);
  TESSEL_CHECK(in.good(), "voc_dataset: cannot open the split list '", list.string(), "'");
  std::vector<std::string> ids;
  for (std::string line; std::getline(in, line);) {
    std::string first = line.substr(0, line.find_first_of(" \t\r"));
    if (!first.empty()) ids.push_back(fs::path(first).stem().string());
  }
  TESSEL_CHECK(!ids.empty(), "voc_dataset: the split list '", list.string(), "' is empty");
  return ids;
}

}  // namespace

ClassInfo voc_classes() {
  ClassInfo info;
  info.names = {"background", "aeroplane", "bicycle",   "bird",   "boat",        "bottle",
                "bus",        "car",       "cat",       "chair",  "cow",         "diningtable",
                "dog",        "horse",     "motorbike", "person", "pottedplant", "sheep",
                "sofa",       "train",     "tvmonitor"};
  info.colours = voc_palette(21);
  return info;
}

std::unique_ptr<Dataset> voc_dataset(const std::string& root, const std::string& split) {
  fs::path lists = fs::path(root) / "ImageSets" / "Segmentation", masks = "SegmentationClass";
  fs::path list = lists / (split + ".txt");
  if (split == "train" && fs::is_regular_file(lists / "train_aug.txt") &&
      fs::is_directory(fs::path(root) / "SegmentationClassAug")) {
    list = lists / "train_aug.txt";
    masks = "SegmentationClassAug";
  }
  std::vector<FilePair> files;
  std::string missing;
  for (const std::string& id : read_ids(list)) {
    FilePair f{(fs::path(root) / "JPEGImages" / (id + ".jpg")).string(),
               (fs::path(root) / masks / (id + ".png")).string()};
    for (const std::string& p : {f.first, f.second})
      if (!fs::is_regular_file(p)) missing += " '" + p + "'";
    files.push_back(std::move(f));
  }
  TESSEL_CHECK(missing.empty(), "voc_dataset: files named by '", list.string(),
               "' are missing:", missing);
  ClassInfo classes = voc_classes();
  LabelTable table = LabelTable::identity(21, 255, "VOC: classes 0..20, 255 = boundary (ignored)");
  return std::make_unique<MappedDataset>(std::move(files), std::move(classes), std::move(table));
}

}  // namespace tessel::data
