// Confusion matrix of a segmentation batch: counts[t * C + p] += the pixels of target class t
// predicted as class p (rows target, columns prediction, as mmsegmentation's area sums). The
// prediction is an integer label map [N, HW] or float logits [N, C, HW] whose argmax over C is
// taken on the fly, so probabilities and label maps are never stored.
#pragma once

#include "kernels/reduce.h"

namespace tessel::kernels {

// What a label counts as besides a class in [0, C): a target equal to ignore_index counts nowhere;
// anything else outside [0, C) is out of range (an error on the CPU, counted nowhere on CUDA).
inline constexpr int32_t kIgnored = -1, kOutOfRange = -2;

template <typename L>
TESSEL_HD int32_t class_of(L v, int64_t c) {
  int64_t x = int64_t(v);
  return x >= 0 && x < c ? int32_t(x) : kOutOfRange;
}

// ignore_index is tested first, so it may even name a class in [0, C) to leave it out.
template <typename L>
TESSEL_HD int32_t target_class(L v, int64_t c, int64_t ignore_index) {
  return int64_t(v) == ignore_index ? kIgnored : class_of(v, c);
}

// Predicted class of pixel i of a flat [N * HW] batch: its label, or the argmax of its C logits
// under argmax's rules (ties to the lowest class; a NaN beats every number, so a pixel with a
// NaN logit is predicted as its first NaN's class, exactly as argmax(logits, 1) says).
template <typename P>
TESSEL_HD int32_t predicted_class(const P* pred, int64_t c, int64_t hw, int64_t i) {
  if constexpr (std::is_integral_v<P>) {
    return class_of(pred[i], c);
  } else {
    const P* x = pred + (i / hw) * c * hw + i % hw;
    using A = acc_t<P>;
    A best = A(x[0]);
    int32_t at = 0;
    for (int32_t k = 1; k < c; ++k) {
      A v = A(x[k * hw]);
      if (arg_better(ArgReduceOp::Max, v, k, best, at)) best = v, at = k;
    }
    return at;
  }
}

// The bin pixel i adds one to, or kIgnored / kOutOfRange. An ignored pixel's logits are not read.
template <typename P, typename T>
TESSEL_HD int64_t confusion_bin(const P* pred, const T* target, int64_t c, int64_t hw,
                                int64_t ignore_index, int64_t i) {
  int32_t t = target_class(target[i], c, ignore_index);
  if (t == kIgnored) return kIgnored;
  int32_t p = predicted_class(pred, c, hw, i);
  return t < 0 || p < 0 ? kOutOfRange : int64_t(t) * c + p;
}

// fn(TypeTag<P>, TypeTag<T>) for a prediction type P among Preds and an integer label type T.
template <typename... Preds, typename Fn>
void dispatch_pred_target(DType pred, DType target, const char* op, Fn&& fn) {
  dispatch_types<Preds...>(pred, op, [&](auto p) {
    dispatch_types<uint8_t, int32_t, int64_t>(target, op, [&](auto t) { fn(p, t); });
  });
}

// Adds into counts [C, C]. `pred` holds labels [N, HW] when pred_type is an integer type, logits
// [N, C, HW] otherwise; `target` labels [N, HW]. On the CPU an out-of-range label throws, naming
// the first such pixel, and leaves counts unchanged (`invalid` is not used); on CUDA its pixel is
// counted nowhere and adds one to *invalid (unless null): raising would need a host
// synchronisation per batch.
void confusion_matrix(const CpuContext&, int64_t* counts, const void* pred, DType pred_type,
                      const void* target, DType target_type, int64_t n, int64_t hw, int64_t c,
                      int64_t ignore_index, int64_t* invalid);
void confusion_matrix(const CudaContext&, int64_t* counts, const void* pred, DType pred_type,
                      const void* target, DType target_type, int64_t n, int64_t hw, int64_t c,
                      int64_t ignore_index, int64_t* invalid);

}  // namespace tessel::kernels
