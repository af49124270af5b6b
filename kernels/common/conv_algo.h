// Which of cuDNN's convolution algorithms a call may run, decided on the host from what cuDNN's
// heuristics report, so the rules are tested without a GPU (kernels/cuda/conv.cu feeds it).
//
//  - Only algorithms cuDNN says support the call, in cuDNN's order.
//  - Only deterministic ones: Tessel's results do not vary between runs. When cuDNN offers none,
//    the convolution fails with a message instead of quietly running a nondeterministic one.
//  - Each candidate carries the math type it runs with, which the call sets on the convolution
//    descriptor before running it (cuDNN picks tensor-core kernels from algorithm and math type
//    together): the one cuDNN ranked it with, except that f32 without TF32 always runs in FMA
//    math, so f32 stays exact f32 whatever the heuristics returned.
//  - The call moves on to the next candidate when an algorithm's workspace cannot be had.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace tessel::kernels {

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
