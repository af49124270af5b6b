// Boundary IoU counts on the device (kernels/boundary.h), accumulated like the confusion matrix.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/ops/confusion.h"
#include "engine/tensor.h"

namespace tessel {

// Boundary IoU counts read back: per-class intersections and unions of the boundary bands.
struct BoundaryCounts {
  int64_t num_classes = 0;
  std::vector<int64_t> intersection, unions;
};

// Adds the boundary IoU counts (kernels/boundary.h: bands of width `dilation`, windows clipped at
// the image border) of label maps [N, H, W] into counts [2, C]: intersections, then unions.
// Labels are checked as by confusion_matrix_.
void boundary_iou_counts_(Tensor& counts, const Tensor& pred, const Tensor& target,
                          int64_t num_classes, int64_t dilation,
                          int64_t ignore_index = kDefaultIgnoreIndex, const Tensor& invalid = {});

class BoundaryIou : public DeviceCounts {
 public:
  BoundaryIou(int64_t num_classes, int64_t dilation, Device device = kCPU,
              int64_t ignore_index = kDefaultIgnoreIndex);
  void update(const Tensor& pred, const Tensor& target);
  BoundaryCounts read() const;

 private:
  int64_t num_classes_, dilation_, ignore_index_;
};

}  // namespace tessel
