// Reductions of `outer` rows of `inner` elements each. The rows are contiguous ([outer, inner]:
// the op permutes the reduced dims last and makes the input contiguous), or interleaved when the
// reduced dims sit on both sides of the kept ones of a contiguous input ([lead, outer, trail],
// inner = lead * trail): a bias gradient sums dy [N, C, H, W] over N, H and W where it lies,
// without a permuted copy.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "core/context.h"
#include "core/dtype.h"
#include "kernels/common/split.h"

namespace tessel::kernels {

// Where element i of row r is: trail == inner for contiguous rows.
struct RowLayout {
  int64_t outer = 0, inner = 0, trail = 0;
  TESSEL_HD int64_t at(int64_t r, int64_t i) const {
    if (trail == inner) return r * inner + i;
    return (i / trail) * outer * trail + r * trail + i % trail;
  }
};

// Var and Std take a second pass over the row for the squared deviations from its mean: the
// one-pass sum-of-squares minus squared-sum cancels catastrophically once the mean is large
// next to the spread. They divide by max(0, inner - correction), as PyTorch does.
enum class ReduceOp : int { Sum, Mean, Var, Std };
// The extremum of a row: its value and the index of its first occurrence.
enum class ArgReduceOp : int { Max, Min };

TESSEL_HD bool is_spread(ReduceOp op) {
  return op == ReduceOp::Var || op == ReduceOp::Std;
}

template <typename A>
TESSEL_HD A finish_spread(ReduceOp op, A squares, int64_t n, double correction) {
  using std::sqrt;
  double dof = double(n) - correction;
  A v = squares / A(dof > 0 ? dof : 0);
  return op == ReduceOp::Std ? sqrt(v) : v;
}

// Whether value a at index ia replaces the running extremum b at ib. NaN beats every number (it
// propagates, as in PyTorch) and ties go to the lower index: a total order, so the order in
// which CUDA lanes combine cannot change the answer.
template <typename C>
TESSEL_HD bool arg_better(ArgReduceOp op, C a, int64_t ia, C b, int64_t ib) {
  bool a_nan = false, b_nan = false;
  if constexpr (std::is_floating_point_v<C>) a_nan = a != a, b_nan = b != b;
  if (a_nan || b_nan) return a_nan && (!b_nan || ia < ib);
  if (a == b) return ia < ib;
  return op == ArgReduceOp::Max ? a > b : a < b;
}

// How the CUDA kernel shares a reduction out (kernels/common/split.h): one warp sums a piece of
// a row, and when a row has several pieces a second pass sums its partials in one warp. A warp
// per row alone would leave a whole-tensor sum (a loss mean, a gradient norm) to a single warp
// of a single block. About 4096 warps in all (512 blocks of 8: an H100 or H200 several times
// over), pieces of at least 8 elements per lane, starting on the same lane in every piece.
inline constexpr int64_t kReduceWarps = 4096;
inline constexpr int64_t kReduceMinPiece = 256;

inline RowSplit reduce_split(int64_t outer, int64_t inner) {
  return split_rows(outer, inner, kReduceWarps, kReduceMinPiece, 32);
}

// One lane's share of a piece [begin, end) of row r: elements begin + lane, begin + lane + 32,
// ... added in that order. With `mean`, the squared deviations from it instead (Var, Std's
// second round), fused multiply-adds so the order of rounding is the same on host and device.
template <typename A, typename T>
TESSEL_HD A lane_sum(const T* in, const RowLayout& l, int64_t r, int64_t begin, int64_t end,
                     int lane, const A* mean) {
  A acc = 0;
  for (int64_t i = begin + lane; i < end; i += 32) {
    A x = A(acc_t<T>(in[l.at(r, i)]));
    if constexpr (std::is_floating_point_v<A>) {
      if (mean) {
        using std::fma;
        A d = x - *mean;
        acc = fma(d, d, acc);
        continue;
      }
    }
    acc += x;
  }
  return acc;
}

// A row's result from its total: the sum itself, the mean, or (given the squared deviations)
// the variance or standard deviation.
template <typename A>
TESSEL_HD A finish_reduce(ReduceOp op, A total, int64_t n, double correction) {
  if (op == ReduceOp::Sum) return total;
  if (op == ReduceOp::Mean) return n ? A(total / A(n)) : A(0);
  if constexpr (std::is_floating_point_v<A>) return finish_spread(op, total, n, correction);
  return total;
}

// The type arg_better compares in: f32 for the 16-bit floats, i64 for every integer.
template <typename T>
using compare_t = std::conditional_t<std::is_integral_v<T>, int64_t, acc_t<T>>;

// `correction` is read by Var and Std only.
void reduce_rows(const CpuContext&, ReduceOp op, DType type, void* out, const void* in,
                 const RowLayout& rows, double correction);
// Index of each row's extremum into `indices` and, unless `values` is null, the extremum itself.
// Rows must not be empty.
void arg_reduce_rows(const CpuContext&, ArgReduceOp op, DType type, void* values, int64_t* indices,
                     const void* in, int64_t outer, int64_t inner);
void reduce_rows(const CudaContext&, ReduceOp op, DType type, void* out, const void* in,
                 const RowLayout& rows, double correction);
void arg_reduce_rows(const CudaContext&, ArgReduceOp op, DType type, void* values, int64_t* indices,
                     const void* in, int64_t outer, int64_t inner);

}  // namespace tessel::kernels
