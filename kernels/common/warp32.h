// A CUDA warp's collectives as host code: the order in which warp_sum (kernels/cuda/warp.cuh)
// combines 32 lanes, ballot, match_any and the lane that speaks for a group. Kernels split their
// work per lane on the host and on the device alike (host-device functions in their kernels/X.h),
// and these finish it the way the shuffles and votes do, so a CPU test predicts a warp kernel's
// result bit for bit, tie-breaking included.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

#include "core/half.h"

namespace tessel::kernels {

inline constexpr int kWarpLanes = 32;

// v[l] += v[l ^ s] for s = 16, 8, 4, 2, 1: the xor butterfly of __shfl_xor_sync. Addition is
// commutative, so after each step both lanes of a pair hold the same bits, and so do all lanes
// at the end; lane 0's value is returned.
template <typename A>
A warp32_sum(std::array<A, kWarpLanes> v) {
  for (int s = kWarpLanes / 2; s > 0; s /= 2) {
    std::array<A, kWarpLanes> next;
    for (int l = 0; l < kWarpLanes; ++l) next[size_t(l)] = v[size_t(l)] + v[size_t(l ^ s)];
    v = next;
  }
  return v[0];
}

// __ballot_sync: bit l set where lane l's predicate holds.
inline uint32_t warp32_ballot(const std::array<bool, kWarpLanes>& p) {
  uint32_t mask = 0;
  for (int l = 0; l < kWarpLanes; ++l) mask |= uint32_t(p[size_t(l)]) << l;
  return mask;
}

// __match_any_sync: for each lane, the mask of the lanes holding the same value.
template <typename V>
std::array<uint32_t, kWarpLanes> warp32_match_any(const std::array<V, kWarpLanes>& v) {
  std::array<uint32_t, kWarpLanes> peers{};
  for (int l = 0; l < kWarpLanes; ++l)
    for (int j = 0; j < kWarpLanes; ++j)
      if (v[size_t(j)] == v[size_t(l)]) peers[size_t(l)] |= uint32_t(1) << j;
  return peers;
}

// The lane that speaks for a group of peers (a non-empty mask): the lowest, on both sides.
TESSEL_HD int lowest_lane(uint32_t peers) {
#if defined(__CUDA_ARCH__)
  return __ffs(peers) - 1;
#else
  return std::countr_zero(peers);
#endif
}

}  // namespace tessel::kernels
