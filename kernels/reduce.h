// Reductions over the last axis of a contiguous [outer, inner] layout: the op permutes the
// reduced dims last and makes the input contiguous first, so one kernel shape serves every
// choice of dims.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "core/context.h"
#include "core/dtype.h"

namespace tessel::kernels {

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

// The type arg_better compares in: f32 for the 16-bit floats, i64 for every integer.
template <typename T>
using compare_t = std::conditional_t<std::is_integral_v<T>, int64_t, acc_t<T>>;

// `correction` is read by Var and Std only.
void reduce_rows(const CpuContext&, ReduceOp op, DType type, void* out, const void* in,
                 int64_t outer, int64_t inner, double correction);
// Index of each row's extremum into `indices` and, unless `values` is null, the extremum itself.
// Rows must not be empty.
void arg_reduce_rows(const CpuContext&, ArgReduceOp op, DType type, void* values, int64_t* indices,
                     const void* in, int64_t outer, int64_t inner);
void reduce_rows(const CudaContext&, ReduceOp op, DType type, void* out, const void* in,
                 int64_t outer, int64_t inner, double correction);
void arg_reduce_rows(const CudaContext&, ArgReduceOp op, DType type, void* values, int64_t* indices,
                     const void* in, int64_t outer, int64_t inner);

}  // namespace tessel::kernels
