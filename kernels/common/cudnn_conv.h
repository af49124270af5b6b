// What kernels/cuda/conv.cu hands cuDNN, decided on the host so it is tested without a GPU: the
// descriptors' numbers for a ConvShape, and which of the algorithms cuDNN's heuristics rank a
// call may run.
//
// Algorithms:
//  - Only algorithms cuDNN says support the call, in cuDNN's order.
//  - Only deterministic ones: Tessel's results do not vary between runs. When cuDNN offers none,
//    the convolution fails with a message instead of quietly running a nondeterministic one.
//  - Each candidate carries the math type it runs with, which the call sets on the convolution
//    descriptor before running it (cuDNN picks tensor-core kernels from algorithm and math type
//    together): the one cuDNN ranked it with, except that f32 without TF32 always runs in FMA
//    math, so f32 stays exact f32 whatever the heuristics returned.
//  - The call moves on to the next candidate when an algorithm's workspace cannot be had.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.h"
#include "kernels/conv.h"

namespace tessel::kernels {

// The tensor (x, y: N, C, H, W), filter (w: O, C / groups, KH, KW) and convolution descriptors'
// numbers, as cuDNN's int parameters.
struct CudnnConvParams {
  int x[4], w[4], y[4];
  int pad[2], stride[2], dilation[2];
  int groups;
};

inline CudnnConvParams cudnn_conv_params(const ConvShape& s) {
  auto i = [](int64_t v) {
    TESSEL_CHECK(v >= 0 && v <= INT_MAX, "conv2d (CUDA): size ", v, " exceeds cuDNN's int range");
    return int(v);
  };
  return {{i(s.n), i(s.c), i(s.h), i(s.w)},
          {i(s.o), i(s.c / s.groups), i(s.kh), i(s.kw)},
          {i(s.n), i(s.o), i(s.oh), i(s.ow)},
          {i(s.pad_h), i(s.pad_w)},
          {i(s.stride_h), i(s.stride_w)},
          {i(s.dil_h), i(s.dil_w)},
          i(s.groups)};
}

// cudnnMathType_t, without cuDNN's header.
enum class ConvMath { Default, TensorOp, TensorOpAllowConversion, Fma };

struct ConvAlgoCandidate {
  int algo = 0;
  bool supported = false;  // perf.status == CUDNN_STATUS_SUCCESS
  bool deterministic = false;
  ConvMath math = ConvMath::Default;
  size_t workspace = 0;  // bytes
};

struct ConvAlgoPolicy {
  bool f32 = false;         // the data is f32 (f64 never uses tensor cores, 16-bit always may)
  bool allow_tf32 = false;  // f32 may run on tensor cores in TF32
};

inline std::vector<ConvAlgoCandidate> usable_conv_algorithms(
    std::span<const ConvAlgoCandidate> ranked, const ConvAlgoPolicy& policy) {
  std::vector<ConvAlgoCandidate> usable;
  for (const ConvAlgoCandidate& c : ranked) {
    if (!c.supported || !c.deterministic) continue;
    usable.push_back(c);
    if (policy.f32 && !policy.allow_tf32) usable.back().math = ConvMath::Fma;
  }
  return usable;
}

}  // namespace tessel::kernels
