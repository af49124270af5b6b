// Normalisation kernels shared by batch_norm, group_norm and layer_norm. Each op sees its input
// as elements grouped two ways, by `Groups` (element i is in group (i / inner) % count):
//   stats:  the elements sharing one mean and invstd (a channel for batch norm; a row of
//           [rows, len] for group and layer norm);
//   params: the elements sharing one weight and bias (a channel; a position of the normalised
//           shape for layer norm).
// Per-group values (mean, invstd, weight, bias, sums) are in P = f64 for f64 inputs, else f32.
// Reductions are per group in a fixed order: deterministic. On CUDA a warp takes a small group
// (norm_warp_per_group), a block a piece of a large one (norm_split: batch norm has few groups
// of many elements), column groups are summed across rows (norm_by_columns), and a thread per
// group adds the pieces' partials in order.
#pragma once

#include <cstdint>
#include <type_traits>

#include "core/context.h"
#include "core/dtype.h"
#include "kernels/common/split.h"

namespace tessel::kernels {

struct Groups {
  int64_t count, inner;
  TESSEL_HD int64_t of(int64_t i) const { return (i / inner) % count; }
  // The k-th element of group g (k < numel / count).
  TESSEL_HD int64_t element(int64_t g, int64_t k) const {
    return (k / inner) * count * inner + g * inner + k % inner;
  }
};

// Groups of at most 2048 elements (layer norm's rows of 32-1024 channels) get a warp each
// instead of a 256-thread block, most of whose threads would have nothing to add.
inline bool norm_warp_per_group(int64_t size) {
  return size <= 2048;
}

// Larger groups: about 1024 blocks in all, pieces of at least 4096 elements (16 per thread).
inline RowSplit norm_split(int64_t groups, int64_t size) {
  return split_rows(groups, size, 1024, 4096, 1);
}

// Groups whose elements are a column of a [rows, count] layout (inner == 1: layer norm's weight
// and bias gradients sum each channel over every row) are summed across the rows instead, so a
// warp's loads are one contiguous run: a block takes 32 columns of a chunk of rows, its 8 warps
// every 8th row of the chunk, and a thread per column adds the chunks in order. A block per
// column would have each warp load 32 rows' worth of lines for 32 values.
inline bool norm_by_columns(const Groups& over) {
  return over.inner == 1 && over.count >= 2;
}
inline constexpr int kColumnTile = 32, kColumnRowLanes = 8;
inline RowSplit column_split(int64_t count, int64_t rows) {
  return split_rows((count + kColumnTile - 1) / kColumnTile, rows, 1024, 256, kColumnRowLanes);
}
// What thread `thread` of block `block` adds: rows first, first + 8, ... below end of column col
// (col may be past the last column in the last tile).
struct ColumnWalk {
  int64_t col, first, end;
};
TESSEL_HD ColumnWalk column_walk(const RowSplit& split, int64_t rows, int64_t block, int thread) {
  int64_t tile = block / split.parts, chunk = block % split.parts;
  return {tile * kColumnTile + thread % kColumnTile, split.begin(chunk) + thread / kColumnTile,
          split.end(chunk, rows)};
}

template <typename T>
using param_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

struct NormArgs {
  int64_t numel;
  Groups stats, params;
  const void* x;
  const void* mean;    // per stats group
  const void* invstd;  // per stats group
  const void* weight;  // per param group; null means 1
  const void* bias;    // per param group; null means 0
};

template <typename T>
TESSEL_HD param_t<T> xhat_at(const NormArgs& a, int64_t i) {
  using P = param_t<T>;
  int64_t k = a.stats.of(i);
  return (P(acc_t<T>(static_cast<const T*>(a.x)[i])) - static_cast<const P*>(a.mean)[k]) *
         static_cast<const P*>(a.invstd)[k];
}
template <typename T>
TESSEL_HD param_t<T> weight_at(const NormArgs& a, int64_t i) {
  using P = param_t<T>;
  return a.weight ? static_cast<const P*>(a.weight)[a.params.of(i)] : P(1);
}

// y = xhat * w + b
template <typename T>
TESSEL_HD T norm_forward_at(const NormArgs& a, int64_t i) {
  using P = param_t<T>;
  P b = a.bias ? static_cast<const P*>(a.bias)[a.params.of(i)] : P(0);
  return T(acc_t<T>(xhat_at<T>(a, i) * weight_at<T>(a, i) + b));
}

// dx = invstd * (w * dy - mean(w * dy) - xhat * mean(w * dy * xhat)), the means over the stats
// group; without them (null: statistics that are constants, batch norm in eval mode)
// dx = invstd * w * dy.
template <typename T>
TESSEL_HD T norm_backward_at(const NormArgs& a, const T* dy, const param_t<T>* mean_wdy,
                             const param_t<T>* mean_wdy_xhat, int64_t i) {
  using P = param_t<T>;
  int64_t k = a.stats.of(i);
  P v = weight_at<T>(a, i) * P(acc_t<T>(dy[i]));
  if (mean_wdy) v -= mean_wdy[k] + xhat_at<T>(a, i) * mean_wdy_xhat[k];
  return T(acc_t<T>(v * static_cast<const P*>(a.invstd)[k]));
}

// Mean and biased variance of each group of x.
void group_moments(const CpuContext&, DType type, int64_t numel, Groups groups, const void* x,
                   void* mean, void* var);
void norm_forward(const CpuContext&, DType type, const NormArgs& a, void* y);
// Per group of `over`: sum of w * dy and of w * dy * xhat (w from a.weight, 1 when null).
void norm_grad_sums(const CpuContext&, DType type, const NormArgs& a, Groups over, const void* dy,
                    void* sum_wdy, void* sum_wdy_xhat);
void norm_backward(const CpuContext&, DType type, const NormArgs& a, const void* dy,
                   const void* mean_wdy, const void* mean_wdy_xhat, void* dx);
void group_moments(const CudaContext&, DType type, int64_t numel, Groups groups, const void* x,
                   void* mean, void* var);
void norm_forward(const CudaContext&, DType type, const NormArgs& a, void* y);
void norm_grad_sums(const CudaContext&, DType type, const NormArgs& a, Groups over, const void* dy,
                    void* sum_wdy, void* sum_wdy_xhat);
void norm_backward(const CudaContext&, DType type, const NormArgs& a, const void* dy,
                   const void* mean_wdy, const void* mean_wdy_xhat, void* dx);

}  // namespace tessel::kernels
