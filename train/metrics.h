// Segmentation metrics on the host, from counts read back from the device once per evaluation.
// A value that is undefined for a class (a ratio over no pixels) is absent (std::nullopt), never
// 0 or NaN, and means run over the classes where the value is defined, with their count:
//  - a class is present when any pixel has it as target or as prediction; IoU and Dice are defined
//    for present classes (a class only ever predicted has IoU 0, and that counts);
//  - recall (class accuracy) needs target pixels of the class, precision predicted ones.
// `classes` (classes of interest, all when empty) restricts the means and the frequency weights;
// per-class values and pixel accuracy always cover every class.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/ops/boundary.h"   // BoundaryCounts: what the device counted
#include "engine/ops/confusion.h"  // ConfusionCounts

namespace tessel::train {

using ClassValues = std::vector<std::optional<double>>;

struct ClassMean {
  std::optional<double> value;  // absent when count is 0
  int64_t count = 0;            // classes averaged
};

struct SegmentationMetrics {
  int64_t num_classes = 0;
  std::vector<int64_t> classes;          // what the means ran over
  std::vector<bool> present;             // per class
  std::optional<double> pixel_accuracy;  // correct / counted pixels; absent with no pixels
  ClassValues iou, dice, precision, recall;
  ClassMean mean_iou, mean_dice, mean_accuracy;  // mean accuracy: mean recall
  // sum over classes of interest of IoU weighted by target pixels; absent with no target pixels
  std::optional<double> fw_iou;
};

SegmentationMetrics segmentation_metrics(const ConfusionCounts& cm,
                                         const std::vector<int64_t>& classes = {});

// IoU and Dice of the foreground (class 1) of a 2 x 2 matrix counted from binarize()d outputs;
// absent when neither target nor prediction has foreground.
struct BinaryMetrics {
  std::optional<double> iou, dice;
};
BinaryMetrics binary_metrics(const ConfusionCounts& cm);

// Boundary IoU from per-class intersections and unions of the boundary bands; a class is present
// when its union is not empty.
struct BoundaryMetrics {
  ClassValues iou;
  ClassMean mean_iou;
};
BoundaryMetrics boundary_metrics(const BoundaryCounts& counts,
                                 const std::vector<int64_t>& classes = {});

// Every metric as JSON, for scripts: the means, pixel accuracy and fwIoU, and per class (by
// name) IoU, Dice, recall, precision and whether it is present, as fractions (null where absent),
// and the confusion counts (rows: target, columns: predicted).
std::string metrics_json(const SegmentationMetrics& m, const ConfusionCounts& counts,
                         const std::vector<std::string>& names);

// One row per class (IoU, Dice, recall, precision in percent; "-" where absent), then the means
// and pixel accuracy. `names` (optional) labels the rows.
std::string metrics_table(const SegmentationMetrics& m, const std::vector<std::string>& names = {});

}  // namespace tessel::train
