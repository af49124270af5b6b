// Boundary IoU counts: argument checks (shared with the confusion matrix), then the counting
// kernel.
#include "engine/ops/boundary.h"

#include "engine/dispatch.h"
#include "kernels/boundary.h"

namespace tessel {

using namespace detail;

void boundary_iou_counts_(Tensor& counts, const Tensor& pred_in, const Tensor& target_in,
                          int64_t num_classes, int64_t dilation, int64_t ignore_index,
                          const Tensor& invalid) {
  const char* op = "boundary_iou";
  int64_t c = num_classes, d = dilation;
  check_counts(op, counts, {2, c}, target_in, c, invalid);
  check_labels(op, pred_in, "pred");
  check_same_device(op, pred_in, "pred", counts, "counts");
  check_same_maps(op, pred_in.sizes(), target_in);
  TESSEL_CHECK(d >= 0, op, ": dilation ", d, " is negative");
  Tensor pred = pred_in.contiguous(), target = target_in.contiguous();
  int64_t n = target.size(0), h = target.size(1), w = target.size(2);
  Tensor scratch = empty({2, n, h, w}, {DType::I32, counts.device()});
  int32_t* rows = scratch.data<int32_t>();
  on_device(counts.device(), [&](const auto& ctx) {
    kernels::boundary_iou_counts(ctx, counts.data<int64_t>(), rows, pred.data_ptr(), pred.dtype(),
                                 target.data_ptr(), target.dtype(), n, h, w, c, d, ignore_index,
                                 counter(invalid));
  });
}

BoundaryIou::BoundaryIou(int64_t num_classes, int64_t dilation, Device device, int64_t ignore_index)
    : DeviceCounts("boundary_iou", {2, num_classes}, device),
      num_classes_(num_classes),
      dilation_(dilation),
      ignore_index_(ignore_index) {}

void BoundaryIou::update(const Tensor& pred, const Tensor& target) {
  boundary_iou_counts_(counts_, pred, target, num_classes_, dilation_, ignore_index_, invalid_);
}

BoundaryCounts BoundaryIou::read() const {
  std::vector<int64_t> v = read_counts();
  auto mid = v.begin() + num_classes_;
  return {num_classes_, {v.begin(), mid}, {mid, v.end()}};
}

}  // namespace tessel
