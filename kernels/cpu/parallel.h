// CPU loops: OpenMP over independent ranges, serial below a grain size where threads cost more
// than they save.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "kernels/common/strided.h"

namespace tessel::kernels {

inline constexpr int64_t kGrain = 32768;

// fn(begin, end) over [0, n) in chunks.
template <typename Fn>
void parallel_for(int64_t n, int64_t grain, const Fn& fn) {
  if (n <= grain) {
    if (n > 0) fn(int64_t(0), n);
    return;
  }
  int64_t chunks = (n + grain - 1) / grain;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; ++c) fn(c * grain, c * grain + grain < n ? c * grain + grain : n);
}

// fn(i, off) for each linear index in [begin, end), off[k] the element offset of operand k.
// Walks like an odometer so the inner loop does no division.
template <int N, typename Fn>
void for_each_offset(const StridedPlan<N>& p, int64_t begin, int64_t end, const Fn& fn) {
  if (begin >= end) return;
  int64_t idx[kMaxDims];
  int64_t off[N];
  int64_t rem = begin;
  for (int d = p.ndim - 1; d >= 0; --d) {
    idx[d] = rem % p.sizes[d];
    rem /= p.sizes[d];
  }
  for (int k = 0; k < N; ++k) {
    off[k] = 0;
    for (int d = 0; d < p.ndim; ++d) off[k] += idx[d] * p.strides[k][d];
  }
  for (int64_t i = begin; i < end; ++i) {
    fn(i, off);
    for (int d = p.ndim - 1; d >= 0; --d) {
      for (int k = 0; k < N; ++k) off[k] += p.strides[k][d];
      if (++idx[d] < p.sizes[d]) break;
      for (int k = 0; k < N; ++k) off[k] -= p.strides[k][d] * p.sizes[d];
      idx[d] = 0;
    }
  }
}

// Runs fn(i, off) over the whole plan in parallel.
template <int N, typename Fn>
void parallel_strided(const StridedPlan<N>& p, const Fn& fn) {
  if (p.contiguous()) {  // the common case: a flat loop the compiler can unroll
    parallel_for(p.numel, kGrain, [&](int64_t b, int64_t e) {
      int64_t off[N];
      for (int64_t i = b; i < e; ++i) {
        for (int k = 0; k < N; ++k) off[k] = i;
        fn(i, off);
      }
    });
    return;
  }
  parallel_for(p.numel, kGrain, [&](int64_t b, int64_t e) { for_each_offset(p, b, e, fn); });
}

// Calls fn(std::integral_constant<E, v>{}) for the runtime value v of an enum whose values are
// 0 .. Count-1: a switch on the op inside fn's loop body then folds away and the loop vectorises.
template <typename E, int Count, typename Fn>
void with_constant(E v, const Fn& fn) {
  [&]<int... I>(std::integer_sequence<int, I...>) {
    ((int(v) == I && (fn(std::integral_constant<E, E(I)>{}), true)) || ...);
  }
  (std::make_integer_sequence<int, Count>{});
}

}  // namespace tessel::kernels
