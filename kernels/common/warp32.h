// The order in which a CUDA warp combines its 32 lanes (kernels/cuda/warp.cuh's warp_sum), as
// host code: kernels split their work per lane on the host and on the device alike (host-device
// functions in their kernels/X.h), and this combine finishes it the way the shuffles do, so a
// CPU test predicts a warp kernel's floating-point result bit for bit.
#pragma once

#include <array>

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

}  // namespace tessel::kernels
