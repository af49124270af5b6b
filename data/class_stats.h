// Per-class pixel statistics of a dataset and the class weights derived from them, for a weighted
// cross-entropy on imbalanced data.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "data/image.h"

namespace tessel::data {

// Counts of one mask's label values, 0..255.
using LabelHistogram = std::array<int64_t, 256>;
LabelHistogram label_histogram(const Mask& mask);

struct ClassStats {
  std::vector<int64_t> pixels;  // per class
  std::vector<int64_t> images;  // masks in which each class appears
  int64_t ignored = 0;          // pixels at the ignore index
  int64_t out_of_range = 0;     // pixels neither a class nor the ignore index

  explicit ClassStats(int64_t num_classes)
      : pixels(static_cast<size_t>(num_classes)), images(static_cast<size_t>(num_classes)) {}
  void add(const LabelHistogram& histogram, int64_t ignore_index);
  int64_t labelled() const;  // pixels that are a class
};

// Class weights from per-class counts (pixels, or images). Each is scaled so that the classes
// present average 1, which keeps a weighted loss on the scale of the unweighted one; an absent
// class (count 0) gets weight 0, since nothing is there to weight.
//   inverse frequency      1 / f              f = count / total
//   inverse square root    1 / sqrt(f)        milder: frequent classes keep more say
//   inverse log (ENet)     1 / ln(c + f)      bounded above by 1 / ln(c); c = 1.02 in ENet
//   effective number       (1 - b) / (1 - b^n)  Cui et al. 2019, n = count; b -> 1 approaches
//                          inverse frequency, b = 0 is uniform
std::vector<double> inverse_frequency_weights(const std::vector<int64_t>& counts);
std::vector<double> inverse_sqrt_weights(const std::vector<int64_t>& counts);
std::vector<double> inverse_log_weights(const std::vector<int64_t>& counts, double c = 1.02);
std::vector<double> effective_number_weights(const std::vector<int64_t>& counts, double beta);

}  // namespace tessel::data
