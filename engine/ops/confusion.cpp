// Confusion matrix counts: argument checks, then the counting kernel.
#include "engine/ops/confusion.h"

#include <cmath>
#include <limits>

#include "engine/dispatch.h"
#include "engine/ops/elementwise.h"
#include "kernels/confusion.h"

namespace tessel {
namespace detail {

bool is_label_type(DType t) {
  return t == DType::U8 || t == DType::I32 || t == DType::I64;
}

void check_labels(const char* op, const Tensor& t, const char* name) {
  check_dim(op, t, name, 3);
  TESSEL_CHECK(is_label_type(t.dtype()), op, ": '", name, "' must hold u8, i32 or i64 labels, got ",
               t.dtype());
}

// The checks every count shares: counts of `shape`, labels `target`, the optional counter.
void check_counts(const char* op, const Tensor& counts, const Shape& shape, const Tensor& target,
                  int64_t c, const Tensor& invalid) {
  TESSEL_CHECK(c > 0 && c <= std::numeric_limits<int32_t>::max(), op, ": num_classes ", c,
               " must be in [1, 2^31)");
  check_dtype(op, counts, "counts", DType::I64);
  TESSEL_CHECK(counts.sizes() == shape && counts.is_contiguous(), op,
               ": 'counts' must be a contiguous tensor of shape ", shape_str(shape), ", got ",
               shape_str(counts.sizes()));
  check_labels(op, target, "target");
  check_same_device(op, target, "target", counts, "counts");
  if (!invalid.defined()) return;
  check_dtype(op, invalid, "invalid", DType::I64);
  TESSEL_CHECK(invalid.numel() == 1, op, ": 'invalid' must have one element, got shape ",
               shape_str(invalid.sizes()));
  check_same_device(op, invalid, "invalid", counts, "counts");
}

void check_same_maps(const char* op, const Shape& pred, const Tensor& target) {
  TESSEL_CHECK(pred == target.sizes(), op, ": prediction maps ", shape_str(pred),
               " do not match 'target' of shape ", shape_str(target.sizes()));
}

int64_t* counter(const Tensor& invalid) {
  return invalid.defined() ? invalid.data<int64_t>() : nullptr;
}

}  // namespace detail

using namespace detail;

void confusion_matrix_(Tensor& cm, const Tensor& pred_in, const Tensor& target_in,
                       int64_t num_classes, int64_t ignore_index, const Tensor& invalid) {
  const char* op = "confusion_matrix";
  int64_t c = num_classes;
  check_counts(op, cm, {c, c}, target_in, c, invalid);
  check_same_device(op, pred_in, "pred", cm, "counts");
  if (is_floating(pred_in.dtype())) {
    check_dim(op, pred_in, "pred", 4);
    TESSEL_CHECK(pred_in.size(1) == c, op, ": logits 'pred' of shape ", shape_str(pred_in.sizes()),
                 " must have num_classes ", c, " channels");
    check_same_maps(op, {pred_in.size(0), pred_in.size(2), pred_in.size(3)}, target_in);
  } else {
    check_labels(op, pred_in, "pred");
    check_same_maps(op, pred_in.sizes(), target_in);
  }
  Tensor pred = pred_in.detach().contiguous(), target = target_in.contiguous();
  int64_t n = target.size(0), hw = target.size(1) * target.size(2);
  on_device(cm.device(), [&](const auto& ctx) {
    kernels::confusion_matrix(ctx, cm.data<int64_t>(), pred.data_ptr(), pred.dtype(),
                              target.data_ptr(), target.dtype(), n, hw, c, ignore_index,
                              counter(invalid));
  });
}

Tensor confusion_matrix(const Tensor& pred, const Tensor& target, int64_t num_classes,
                        int64_t ignore_index) {
  Tensor cm = zeros({num_classes, num_classes}, {DType::I64, target.device()});
  confusion_matrix_(cm, pred, target, num_classes, ignore_index);
  return cm;
}

Tensor binarize(const Tensor& x_in, double threshold, BinaryInput input) {
  check_float("binarize", x_in, "x");
  Tensor x = x_in.detach();
  if (x.dim() == 4) {
    TESSEL_CHECK(x.size(1) == 1, "binarize: 'x' of shape ", shape_str(x.sizes()),
                 " must have one channel");
    x = x.squeeze(1);
  }
  check_dim("binarize", x, "x", 3);
  if (input == BinaryInput::Logits) {
    TESSEL_CHECK(threshold > 0 && threshold < 1, "binarize: threshold ", threshold,
                 " for logits must be a probability in (0, 1)");
    threshold = std::log(threshold / (1 - threshold));
  }
  DType t = x.dtype() == DType::F64 ? DType::F64 : DType::F32;
  return gt(x, scalar_tensor(threshold, {t, x.device()})).to(DType::U8);
}

DeviceCounts::DeviceCounts(const char* op, const Shape& shape, Device device)
    : op_(op),
      counts_(zeros(shape, {DType::I64, device})),
      invalid_(zeros({}, {DType::I64, device})) {}

void DeviceCounts::reset() {
  counts_.zero_();
  invalid_.zero_();
}

std::vector<int64_t> DeviceCounts::read_counts() const {
  int64_t bad = invalid_.item<int64_t>();
  TESSEL_CHECK(bad == 0, op_, ": ", bad,
               " pixels had a label outside [0, num_classes) that is not ignore_index; they were "
               "not counted");
  return counts_.to_vector<int64_t>();
}

ConfusionMatrix::ConfusionMatrix(int64_t num_classes, Device device, int64_t ignore_index)
    : DeviceCounts("confusion_matrix", {num_classes, num_classes}, device),
      num_classes_(num_classes),
      ignore_index_(ignore_index) {}

void ConfusionMatrix::update(const Tensor& pred, const Tensor& target) {
  confusion_matrix_(counts_, pred, target, num_classes_, ignore_index_, invalid_);
}

ConfusionCounts ConfusionMatrix::read() const {
  return {num_classes_, read_counts()};
}

}  // namespace tessel
