// Segmentation evaluation on the device: confusion matrices (and, in engine/ops/boundary.h,
// boundary IoU counts) accumulated across batches in int64 tensors, with no host synchronisation
// until they are read; the metrics themselves are computed on the host, above the engine
// (train/metrics.h).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace tessel {

inline constexpr int64_t kDefaultIgnoreIndex = 255;

// A C x C confusion matrix: rows target class, columns predicted class.
struct ConfusionCounts {
  int64_t num_classes = 0;
  std::vector<int64_t> counts;  // [t * C + p]
  int64_t at(int64_t t, int64_t p) const { return counts[size_t(t * num_classes + p)]; }
};

// Adds one batch into cm [C, C] (int64; rows target class, columns predicted class). `pred` is
// integer labels [N, H, W] or float logits [N, C, H, W], whose argmax over C is fused in with
// argmax's rules (ties to the lowest class; a NaN logit wins). `target` holds u8, i32 or i64 labels
// [N, H, W]; pixels whose target is ignore_index count nowhere. Any other label outside [0, C) is,
// on the CPU, an error naming it (cm unchanged); on CUDA its pixel counts nowhere and adds one to
// `invalid` (an int64 one-element tensor on the same device) when that is given.
void confusion_matrix_(Tensor& cm, const Tensor& pred, const Tensor& target, int64_t num_classes,
                       int64_t ignore_index = kDefaultIgnoreIndex, const Tensor& invalid = {});
Tensor confusion_matrix(const Tensor& pred, const Tensor& target, int64_t num_classes,
                        int64_t ignore_index = kDefaultIgnoreIndex);

// One-channel outputs [N, 1, H, W] or [N, H, W] to u8 labels (1 foreground) for a 2-class
// confusion matrix. Probabilities are foreground above `threshold`; logits where sigmoid(x) >
// threshold, tested as x > log(t / (1 - t)) so no sigmoid is evaluated (it can differ from a
// rounded sigmoid only within its rounding error of t). NaN is background.
enum class BinaryInput { Logits, Probabilities };
Tensor binarize(const Tensor& x, double threshold, BinaryInput input = BinaryInput::Logits);

// Counts on a device with the count of out-of-range pixels beside them (CUDA only: the CPU
// throws in update()). read() is the one host synchronisation and throws if any were seen.
class DeviceCounts {
 public:
  void reset();
  const Tensor& counts() const { return counts_; }

 protected:
  DeviceCounts(const char* op, const Shape& shape, Device device);
  std::vector<int64_t> read_counts() const;
  const char* op_;
  Tensor counts_, invalid_;
};

// The argument checks every count shares (here and in boundary.cpp).
namespace detail {
bool is_label_type(DType t);
void check_labels(const char* op, const Tensor& t, const char* name);
void check_counts(const char* op, const Tensor& counts, const Shape& shape, const Tensor& target,
                  int64_t c, const Tensor& invalid);
void check_same_maps(const char* op, const Shape& pred, const Tensor& target);
int64_t* counter(const Tensor& invalid);
}  // namespace detail

class ConfusionMatrix : public DeviceCounts {
 public:
  explicit ConfusionMatrix(int64_t num_classes, Device device = kCPU,
                           int64_t ignore_index = kDefaultIgnoreIndex);
  void update(const Tensor& pred, const Tensor& target);
  ConfusionCounts read() const;

 private:
  int64_t num_classes_, ignore_index_;
};

}  // namespace tessel
