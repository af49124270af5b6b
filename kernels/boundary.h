// Boundary IoU counts (Cheng et al. 2021). A pixel of class c lies in c's boundary band of a label
// map when the (2d+1) x (2d+1) window centred on it holds another label. The window is clipped to
// the image, so the image border is not a boundary (Cheng's reference pads with zeros and makes it
// one). Per class, over the bands G_c of the target and P_c of the prediction:
//   counts[c] += |G_c ∩ P_c|,  counts[C + c] += |G_c ∪ P_c|.
// Ignored target pixels count nowhere but, as neighbours, are one more label. Out-of-range labels
// follow the confusion matrix's rules.
//
// The window test is separable: the window is uniform iff each of its rows is uniform and holds
// the centre's label. A first pass writes, per pixel and map, its row window's label or kMixed
// (into `scratch`, 2 x N x H x W int32: target then prediction); the second tests the column.
#pragma once

#include "kernels/confusion.h"

namespace tessel::kernels {

inline constexpr int32_t kMixed = INT32_MIN;

template <typename L>
TESSEL_HD int32_t map_code(L v, int64_t c, int64_t ignore_index, bool is_target) {
  return is_target ? target_class(v, c, ignore_index) : class_of(v, c);
}

// Pass 1 at column x of a row of width w.
template <typename L>
TESSEL_HD int32_t row_code(const L* row, int64_t w, int64_t x, int64_t d, int64_t c,
                           int64_t ignore_index, bool is_target) {
  int32_t mid = map_code(row[x], c, ignore_index, is_target);
  int64_t lo = x - d < 0 ? 0 : x - d, hi = x + d >= w ? w - 1 : x + d;
  for (int64_t j = lo; j <= hi; ++j)
    if (map_code(row[j], c, ignore_index, is_target) != mid) return kMixed;
  return mid;
}

// Pass 2: whether pixel (y, x) of an image's row codes, of label `code`, is in its band.
TESSEL_HD bool in_band(const int32_t* rows, int64_t h, int64_t w, int64_t y, int64_t x, int64_t d,
                       int32_t code) {
  int64_t lo = y - d < 0 ? 0 : y - d, hi = y + d >= h ? h - 1 : y + d;
  for (int64_t r = lo; r <= hi; ++r)
    if (rows[r * w + x] != code) return true;
  return false;
}

// Fills the bins of counts that pixel i (of N x H x W) adds one to, -1 for none; returns false,
// adding to none, for an out-of-range label.
template <typename P, typename T>
TESSEL_HD bool boundary_bins(const int32_t* scratch, const P* pred, const T* target, int64_t n,
                             int64_t h, int64_t w, int64_t d, int64_t c, int64_t ignore_index,
                             int64_t i, int64_t (&bins)[3]) {
  bins[0] = bins[1] = bins[2] = -1;
  int32_t t = target_class(target[i], c, ignore_index), p = class_of(pred[i], c);
  if (t == kIgnored) return true;
  if (t < 0 || p < 0) return false;
  int64_t hw = h * w, img = i / hw, y = i % hw / w, x = i % w;
  bool tb = in_band(scratch + img * hw, h, w, y, x, d, t);
  bool pb = in_band(scratch + (n + img) * hw, h, w, y, x, d, p);
  bool both = tb && pb && t == p;
  if (tb) bins[0] = c + t;
  if (pb && !both) bins[1] = c + p;
  if (both) bins[2] = t;
  return true;
}

// Adds into counts [2, C] (intersections, then unions); pred and target are labels [N, H, W].
// Out-of-range labels are treated as by confusion_matrix: on the CPU an error (counts unchanged),
// on CUDA counted in *invalid (unless null).
void boundary_iou_counts(const CpuContext&, int64_t* counts, int32_t* scratch, const void* pred,
                         DType pred_type, const void* target, DType target_type, int64_t n,
                         int64_t h, int64_t w, int64_t c, int64_t d, int64_t ignore_index,
                         int64_t* invalid);
void boundary_iou_counts(const CudaContext&, int64_t* counts, int32_t* scratch, const void* pred,
                         DType pred_type, const void* target, DType target_type, int64_t n,
                         int64_t h, int64_t w, int64_t c, int64_t d, int64_t ignore_index,
                         int64_t* invalid);

}  // namespace tessel::kernels
