// What COCO-Stuff, Mapillary, Supervisely and Datumaro have in common: image and mask files paired
// by name, masks read with read_mask (stored indices, or colours through a colour list), then
// each stored value relabelled through a table, since each format stores its own ids.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.h"

namespace tessel::data {

// Stored value -> class index (or the ignore index); kNoLabel marks values the format never
// stores, which are an error naming the file rather than a silent guess.
struct LabelTable {
  static constexpr int16_t kNoLabel = -1;
  std::array<int16_t, 256> to;
  std::string rule;  // the format's rule in words, for the error message

  static LabelTable identity(int64_t num_classes, int64_t ignore_index, std::string rule);
};

using FilePair = std::pair<std::string, std::string>;  // image path, mask path

// Pairs every image in `image_dir` (any extension) with `mask_dir`/<stem><mask_suffix>, sorted by
// image name; a missing mask or an empty folder is an error naming the folder.
std::vector<FilePair> pair_files(const std::string& image_dir, const std::string& mask_dir,
                                 const std::string& mask_suffix = ".png");

// `root`, or its `split` sub-folder when a split is named (which must then exist).
std::string split_root(const std::string& root, const std::string& split);

class MappedDataset : public Dataset {
 public:
  // `mask_colours`: how colour masks are decoded (stored value i has mask_colours[i]); empty
  // when the format stores indices only.
  MappedDataset(std::vector<FilePair> files, ClassInfo classes, LabelTable table,
                std::vector<Rgb> mask_colours = {});

  size_t size() const override { return files_.size(); }
  Sample get(size_t i) const override;
  const ClassInfo& classes() const override { return classes_; }

 private:
  std::vector<FilePair> files_;
  ClassInfo classes_;
  LabelTable table_;
  std::vector<Rgb> mask_colours_;
};

}  // namespace tessel::data
