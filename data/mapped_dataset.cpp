#include "data/mapped_dataset.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "data/image_io.h"

namespace tessel::data {

namespace fs = std::filesystem;

LabelTable LabelTable::identity(int64_t num_classes, int64_t ignore_index, std::string rule) {
  LabelTable t;
  t.to.fill(kNoLabel);
  for (int64_t v = 0; v < std::min<int64_t>(num_classes, 256); ++v) t.to[size_t(v)] = int16_t(v);
  if (ignore_index >= 0 && ignore_index < 256) t.to[size_t(ignore_index)] = int16_t(ignore_index);
  t.rule = std::move(rule);
  return t;
}

std::vector<FilePair> pair_files(const std::string& image_dir, const std::string& mask_dir,
                                 const std::string& mask_suffix) {
  TESSEL_CHECK(fs::is_directory(image_dir), "dataset: image folder '", image_dir, "' not found");
  TESSEL_CHECK(fs::is_directory(mask_dir), "dataset: mask folder '", mask_dir, "' not found");
  std::vector<FilePair> pairs;
  for (const fs::directory_entry& e : fs::directory_iterator(image_dir)) {
    if (!e.is_regular_file()) continue;
    fs::path mask = fs::path(mask_dir) / (e.path().stem().string() + mask_suffix);
    TESSEL_CHECK(fs::is_regular_file(mask), "dataset: image '", e.path().string(),
                 "' has no mask: expected '", mask.string(), "'");
    pairs.emplace_back(e.path().string(), mask.string());
  }
  TESSEL_CHECK(!pairs.empty(), "dataset: no images in '", image_dir, "'");
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

std::string split_root(const std::string& root, const std::string& split) {
  if (split.empty()) return root;
  fs::path dir = fs::path(root) / split;
  TESSEL_CHECK(fs::is_directory(dir), "dataset: split '", split, "' not found: no folder '",
               dir.string(), "'");
  return dir.string();
}

MappedDataset::MappedDataset(std::vector<FilePair> files, ClassInfo classes, LabelTable table,
                             std::vector<Rgb> mask_colours)
    : files_(std::move(files)),
      classes_(std::move(classes)),
      table_(std::move(table)),
      mask_colours_(std::move(mask_colours)) {}

Sample MappedDataset::get(size_t i) const {
  TESSEL_CHECK(i < files_.size(), "dataset: sample ", i, " of ", files_.size());
  const auto& [image_path, mask_path] = files_[i];
  Sample s{read_image(image_path), read_mask(mask_path, mask_colours_), image_path, mask_path};
  for (uint8_t& l : s.mask.labels) {
    int16_t to = table_.to[l];
    TESSEL_CHECK(to != LabelTable::kNoLabel, "dataset: ", mask_path, ": value ", int(l),
                 " is not a label of this format (", table_.rule, ")");
    l = uint8_t(to);
  }
  return s;
}

}  // namespace tessel::data
