#include "data/open_dataset.h"

#include <filesystem>
#include <functional>

#include "core/error.h"
#include "data/datasets.h"
#include "data/mapped_dataset.h"
#include "data/more_datasets.h"

namespace tessel::data {
namespace {

using Open =
    std::function<std::unique_ptr<Dataset>(const std::string& root, const std::string& split)>;

// `split` or, when none is named, the format's usual training split.
std::string or_default(const std::string& split, const char* fallback) {
  return split.empty() ? fallback : split;
}

const std::vector<std::pair<std::string, Open>>& formats() {
  static const std::vector<std::pair<std::string, Open>> table = {
      {"folder", [](auto& root, auto& split) { return folder_dataset(split_root(root, split)); }},
      {"voc",
       [](auto& root, auto& split) { return voc_dataset(root, or_default(split, "train")); }},
      {"cityscapes",
       [](auto& root, auto& split) {
         return cityscapes_dataset(root, or_default(split, "train"));
       }},
      {"ade20k",
       [](auto& root, auto& split) { return ade20k_dataset(root, or_default(split, "training")); }},
      {"coco-stuff",
       [](auto& root, auto& split) {
         return coco_stuff_dataset(root, or_default(split, "train2017"));
       }},
      {"mapillary-v1.2",
       [](auto& root, auto& split) {
         return mapillary_dataset(root, or_default(split, "training"), "v1.2");
       }},
      {"mapillary-v2.0",
       [](auto& root, auto& split) {
         return mapillary_dataset(root, or_default(split, "training"), "v2.0");
       }},
      {"supervisely",
       [](auto& root, auto& split) { return supervisely_persons_dataset(root, split); }},
      {"datumaro", [](auto& root, auto& split) { return datumaro_dataset(root, split); }},
  };
  return table;
}

}  // namespace

std::vector<std::string> dataset_formats() {
  std::vector<std::string> names;
  for (const auto& [name, open] : formats()) names.push_back(name);
  return names;
}

std::unique_ptr<Dataset> open_dataset(const std::string& format, const std::string& root,
                                      const std::string& split) {
  for (const auto& [name, open] : formats()) {
    if (name != format) continue;
    try {
      return open(root, split);
    } catch (const std::filesystem::filesystem_error& e) {
      // A path the system refuses while the dataset is listed (a name too long, no permission,
      // a loop of links): found by fuzzing the index files, fuzz/regressions/dataset_index/.
      TESSEL_FAIL("open_dataset: ", format, " dataset at '", root, "': ", e.what());
    }
  }
  std::string known;
  for (const std::string& name : dataset_formats()) known += " " + name;
  TESSEL_FAIL("open_dataset: unknown format '", format, "'; known:", known);
}

}  // namespace tessel::data
