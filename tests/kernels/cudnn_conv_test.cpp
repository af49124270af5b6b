// What the CUDA convolution hands cuDNN (kernels/common/cudnn_conv.h): the descriptors' numbers,
// run through a naive convolution written from cuDNN's definition against the CPU kernel, and
// which of cuDNN's ranked algorithms a call may run.
#include "kernels/common/cudnn_conv.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace tessel::kernels {
namespace {

std::vector<int> algos(const std::vector<ConvAlgoCandidate>& v) {
  std::vector<int> a;
  for (const auto& c : v) a.push_back(c.algo);
  return a;
}

const std::vector<ConvAlgoCandidate> kRanked = {
    {.algo = 6, .supported = true, .deterministic = false, .math = ConvMath::TensorOp},
    {.algo = 1, .supported = false, .deterministic = true, .math = ConvMath::Fma},
    {.algo = 1,
     .supported = true,
     .deterministic = true,
     .math = ConvMath::TensorOp,
     .workspace = 1 << 20},
    {.algo = 0, .supported = true, .deterministic = true, .math = ConvMath::Default},
    {.algo = 7, .supported = true, .deterministic = true, .math = ConvMath::Fma},
};

// cuDNN's cross-correlation from its descriptors alone: the output size its formula gives, and
// y[n, o, i, j] = sum over the group's input channels and the window.
std::vector<double> cudnn_reference(const CudnnConvParams& p, const std::vector<double>& x,
                                    const std::vector<double>& w, int out_h, int out_w) {
  const int n = p.x[0], c = p.x[1], h = p.x[2], wd = p.x[3], o = p.w[0], cg = p.w[1];
  const int kh = p.w[2], kw = p.w[3], og = o / p.groups;
  std::vector<double> y(size_t(n) * o * out_h * out_w, 0.0);
  for (int b = 0; b < n; ++b)
    for (int oc = 0; oc < o; ++oc)
      for (int i = 0; i < out_h; ++i)
        for (int j = 0; j < out_w; ++j) {
          double acc = 0;
          for (int ci = 0; ci < cg; ++ci)
            for (int u = 0; u < kh; ++u)
              for (int v = 0; v < kw; ++v) {
                int yy = i * p.stride[0] - p.pad[0] + u * p.dilation[0];
                int xx = j * p.stride[1] - p.pad[1] + v * p.dilation[1];
                if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
                int ic = oc / og * cg + ci;
                acc += x[((size_t(b) * c + ic) * h + yy) * wd + xx] *
                       w[((size_t(oc) * cg + ci) * kh + u) * kw + v];
              }
          y[((size_t(b) * o + oc) * out_h + i) * out_w + j] = acc;
        }
  return y;
}

TEST(CudnnConv, DescriptorsDescribeTheSameConvolution) {
  std::mt19937 g(12);
  auto pick = [&](int lo, int hi) { return lo + int(g() % unsigned(hi - lo + 1)); };
  std::uniform_real_distribution<double> u(-1, 1);
  for (int trial = 0; trial < 60; ++trial) {
    ConvShape s;
    s.groups = pick(1, 3);
    s.n = pick(1, 2), s.c = s.groups * pick(1, 3), s.o = s.groups * pick(1, 3);
    s.h = pick(3, 9), s.w = pick(3, 9), s.kh = pick(1, 3), s.kw = pick(1, 3);
    s.stride_h = pick(1, 2), s.stride_w = pick(1, 2), s.dil_h = pick(1, 2), s.dil_w = pick(1, 2);
    s.pad_h = pick(0, 2), s.pad_w = pick(0, 2);
    s.oh = (s.h + 2 * s.pad_h - s.dil_h * (s.kh - 1) - 1) / s.stride_h + 1;
    s.ow = (s.w + 2 * s.pad_w - s.dil_w * (s.kw - 1) - 1) / s.stride_w + 1;
    if (s.oh < 1 || s.ow < 1) continue;
    const CudnnConvParams p = cudnn_conv_params(s);
    // cuDNN's output dims (cudnnGetConvolution2dForwardOutputDim) from the descriptors.
    int out_h = 1 + (p.x[2] + 2 * p.pad[0] - ((p.w[2] - 1) * p.dilation[0] + 1)) / p.stride[0];
    int out_w = 1 + (p.x[3] + 2 * p.pad[1] - ((p.w[3] - 1) * p.dilation[1] + 1)) / p.stride[1];
    ASSERT_EQ(out_h, p.y[2]);
    ASSERT_EQ(out_w, p.y[3]);
    std::vector<double> x(size_t(s.n * s.c * s.h * s.w)),
        w(size_t(s.o * s.c / s.groups * s.kh * s.kw));
    for (double& v : x) v = u(g);
    for (double& v : w) v = u(g);
    std::vector<double> want = cudnn_reference(p, x, w, out_h, out_w);
    std::vector<double> got(want.size());
    conv2d_forward(CpuContext{}, s, DType::F64, got.data(), x.data(), w.data(), nullptr);
    for (size_t i = 0; i < want.size(); ++i)
      ASSERT_NEAR(got[i], want[i], 1e-12) << "trial " << trial << ", element " << i;
  }
}

TEST(CudnnConv, SizesPastIntAreRefused) {
  ConvShape s{.n = int64_t(1) << 31, .c = 1, .h = 1, .w = 1, .o = 1, .kh = 1, .kw = 1};
  s.oh = s.ow = 1;
  try {
    cudnn_conv_params(s);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("size 2147483648 exceeds cuDNN's int range"),
              std::string::npos);
  }
}

TEST(ConvAlgo, KeepsSupportedDeterministicInCudnnsOrder) {
  auto usable = usable_conv_algorithms(kRanked, {.f32 = false});
  EXPECT_EQ(algos(usable), (std::vector<int>{1, 0, 7}));
  EXPECT_EQ(usable[0].workspace, size_t(1) << 20);
  // 16-bit data runs with the math type cuDNN ranked each algorithm with.
  EXPECT_EQ(usable[0].math, ConvMath::TensorOp);
  EXPECT_EQ(usable[1].math, ConvMath::Default);
}

TEST(ConvAlgo, F32StaysExactUnlessTf32IsAllowed) {
  for (const auto& c : usable_conv_algorithms(kRanked, {.f32 = true, .allow_tf32 = false}))
    EXPECT_EQ(c.math, ConvMath::Fma) << "algorithm " << c.algo;
  auto tf32 = usable_conv_algorithms(kRanked, {.f32 = true, .allow_tf32 = true});
  EXPECT_EQ(algos(tf32), (std::vector<int>{1, 0, 7}));
  EXPECT_EQ(tf32[0].math, ConvMath::TensorOp);
}

TEST(ConvAlgo, NothingDeterministicLeavesNothing) {
  std::vector<ConvAlgoCandidate> only_fast = {kRanked[0], kRanked[1]};
  EXPECT_TRUE(usable_conv_algorithms(only_fast, {.f32 = true}).empty());
}

}  // namespace
}  // namespace tessel::kernels
