// A dataset yields (image, mask) samples and knows its classes. Formats (folder, Pascal VOC,
// Cityscapes, ...) are subclasses; the loader and the checks only see this interface.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/image.h"

namespace tessel::data {

struct ClassInfo {
  std::vector<std::string> names;
  std::vector<Rgb> colours;  // one per class, for palettes, overlays and RGB-coded masks
  int64_t ignore_index = 255;
  int64_t num_classes() const { return int64_t(names.size()); }
};

struct Sample {
  Image image;
  Mask mask;
  std::string image_path, mask_path;  // for error messages; empty for generated samples
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual size_t size() const = 0;
  // Reads and decodes sample i; errors name the file at fault. Safe to call from several threads.
  virtual Sample get(size_t i) const = 0;
  virtual const ClassInfo& classes() const = 0;
};

}  // namespace tessel::data
