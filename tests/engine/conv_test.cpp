#include <cmath>

#include "tests/fixture.h"
#include "tests/op_harness.h"

#include "engine/cuda/context.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

struct ConvCase {
  bool transposed;
  Shape x, w;
  Size2 stride, padding, dilation, output_padding;
  int64_t groups;
  bool bias;
};

std::vector<ConvCase> small_cases() {
  return {
      {false, {2, 3, 5, 6}, {4, 3, 3, 3}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, 1, true},
      {false, {1, 4, 7, 6}, {6, 2, 3, 2}, {2, 1}, {0, 1}, {2, 1}, {0, 0}, 2, false},
      {false, {2, 3, 5, 5}, {3, 1, 3, 3}, {2, 2}, {1, 1}, {1, 1}, {0, 0}, 3, true},  // depthwise
      {false, {2, 4, 3, 4}, {5, 4, 1, 1}, {1, 1}, {0, 0}, {1, 1}, {0, 0}, 1, true},  // 1x1
      {true, {2, 4, 3, 3}, {4, 3, 3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 1, true},
      {true, {1, 4, 3, 2}, {4, 2, 2, 3}, {2, 3}, {0, 1}, {1, 2}, {1, 0}, 2, false},
      {true, {1, 2, 3, 3}, {2, 3, 1, 1}, {1, 1}, {0, 0}, {1, 1}, {0, 0}, 1, true},  // 1x1
  };
}

int64_t out_channels(const ConvCase& c) {
  return c.transposed ? c.w[1] * c.groups : c.w[0];
}

std::string describe(const ConvCase& c) {
  return std::string(c.transposed ? "conv_transpose2d" : "conv2d") + " x" + shape_str(c.x) + " w" +
         shape_str(c.w) + " groups " + std::to_string(c.groups);
}

Tensor run_case(const ConvCase& c, const std::vector<Tensor>& in) {
  Tensor b = c.bias ? in[2] : Tensor();
  if (c.transposed)
    return conv_transpose2d(in[0], in[1], b, c.stride, c.padding, c.output_padding, c.groups,
                            c.dilation);
  return conv2d(in[0], in[1], b, c.stride, c.padding, c.dilation, c.groups);
}

std::vector<Tensor> inputs_for(const ConvCase& c, uint64_t seed) {
  std::vector<Tensor> in{randn_input(c.x, seed), randn_input(c.w, seed + 1)};
  if (c.bias) in.push_back(randn_input({out_channels(c)}, seed + 2));
  return in;
}

// Both references walk every (input pixel, kernel tap) pair of the convolution x -> y; conv2d
// gathers y from x along it, conv_transpose2d scatters x into y along it (roles swapped).
Tensor naive(const ConvCase& c, const std::vector<Tensor>& in) {
  const Shape& xs = c.x;
  int64_t kh = c.w[2], kw = c.w[3], g = c.groups;
  int64_t oc = out_channels(c);
  int64_t span_h = c.dilation[0] * (kh - 1), span_w = c.dilation[1] * (kw - 1);
  int64_t oh = c.transposed
                   ? (xs[2] - 1) * c.stride[0] - 2 * c.padding[0] + span_h + c.output_padding[0] + 1
                   : (xs[2] + 2 * c.padding[0] - span_h - 1) / c.stride[0] + 1;
  int64_t ow = c.transposed
                   ? (xs[3] - 1) * c.stride[1] - 2 * c.padding[1] + span_w + c.output_padding[1] + 1
                   : (xs[3] + 2 * c.padding[1] - span_w - 1) / c.stride[1] + 1;
  std::vector<double> x = in[0].to_vector<double>(), w = in[1].to_vector<double>();
  std::vector<double> y(size_t(xs[0] * oc * oh * ow), 0.0);
  // (conv input channel count, size) and (conv output ...) of the underlying convolution.
  int64_t ci = c.transposed ? oc : xs[1], co = c.transposed ? xs[1] : oc;
  int64_t ih = c.transposed ? oh : xs[2], iw = c.transposed ? ow : xs[3];
  int64_t ph = c.transposed ? xs[2] : oh, pw = c.transposed ? xs[3] : ow;
  int64_t cig = ci / g, cog = co / g;
  for (int64_t n = 0; n < xs[0]; ++n)
    for (int64_t o = 0; o < co; ++o)
      for (int64_t k = 0; k < cig; ++k)
        for (int64_t i = 0; i < kh; ++i)
          for (int64_t j = 0; j < kw; ++j)
            for (int64_t py = 0; py < ph; ++py)
              for (int64_t px = 0; px < pw; ++px) {
                int64_t iy = py * c.stride[0] - c.padding[0] + i * c.dilation[0];
                int64_t ix = px * c.stride[1] - c.padding[1] + j * c.dilation[1];
                if (iy < 0 || iy >= ih || ix < 0 || ix >= iw) continue;
                int64_t cin = (o / cog) * cig + k;
                size_t in_at = size_t(((n * ci + cin) * ih + iy) * iw + ix);
                size_t out_at = size_t(((n * co + o) * ph + py) * pw + px);
                // Weight layout: conv2d [co, cig, kh, kw]; transpose [co (its input), cig, kh, kw].
                double wv = w[size_t(((o * cig + k) * kh + i) * kw + j)];
                if (c.transposed)
                  y[in_at] += x[out_at] * wv;
                else
                  y[out_at] += x[in_at] * wv;
              }
  if (c.bias) {
    std::vector<double> b = in[2].to_vector<double>();
    for (size_t p = 0; p < y.size(); ++p) y[p] += b[(p / size_t(oh * ow)) % size_t(oc)];
  }
  return from_vector(y, {xs[0], oc, oh, ow}, DType::F64);
}

}  // namespace

TEST(Conv, ForwardMatchesNaive) {
  for (const auto& c : small_cases()) {
    SCOPED_TRACE(describe(c));
    auto in = inputs_for(c, 1);
    Tensor ref = naive(c, in);
    EXPECT_ALL_CLOSE(run_case(c, in), ref, 1e-12, 1e-12);
    std::vector<Tensor> f32;
    for (const Tensor& t : in) f32.push_back(t.detach().to(DType::F32));
    EXPECT_ALL_CLOSE(run_case(c, f32), ref, 1e-5, 1e-5);
  }
}

TEST(Conv, Gradcheck) {
  for (const auto& c : small_cases()) {
    SCOPED_TRACE(describe(c));
    expect_gradcheck([&](const std::vector<Tensor>& in) { return run_case(c, in); },
                     inputs_for(c, 4));
  }
}

TEST(Conv, MatchesPyTorchFixtures) {
  auto t = load_fixture("conv.txt");
  int cases = 0;
  for (const auto& [key, params] : t) {
    if (!key.ends_with(".params")) continue;
    std::string name = key.substr(0, key.size() - 7);
    SCOPED_TRACE(name);
    std::vector<int64_t> p = params.to_vector<int64_t>();
    ConvCase c{p[0] != 0,    t[name + ".x"].sizes(), t[name + ".w"].sizes(), {p[1], p[2]},
               {p[3], p[4]}, {p[5], p[6]},           {p[7], p[8]},           p[9],
               p[10] != 0};
    std::vector<std::string> names{"x", "w"};
    if (c.bias) names.push_back("b");
    std::vector<Tensor> in;
    for (const auto& n : names) in.push_back(t[name + "." + n].requires_grad_());
    Tensor out = run_case(c, in);
    EXPECT_ALL_CLOSE(out, t[name + ".out"], 1e-10, 1e-10);
    sum(out * t[name + ".g"]).backward();
    for (size_t k = 0; k < in.size(); ++k)
      EXPECT_ALL_CLOSE(in[k].grad(), t[name + ".g" + names[k]], 1e-10, 1e-10) << names[k];
    ++cases;
  }
  EXPECT_EQ(cases, 6);
}

TEST(Conv, ErrorsNameArguments) {
  std::vector<std::pair<std::function<void()>, std::string>> cases = {
      {[] {
         conv2d(ones({1, 4, 5, 5}), ones({2, 3, 3, 3}));
       },
       "conv2d: weight has 3 input channels per group but input has 4 channels with groups=1"},
      {[] {
         conv2d(ones({1, 4, 5, 5}), ones({3, 2, 3, 3}), {}, {1, 1}, {0, 0}, {1, 1}, 2);
       },
       "weight has 3 output channels, not divisible by groups=2"},
      {[] {
         conv2d(ones({1, 1, 2, 2}), ones({1, 1, 3, 3}));
       },
       "kernel 3x3 with dilation (1, 1) does not fit in the input 2x2"},
      {[] {
         conv2d(ones({1, 1, 4, 4}), ones({2, 1, 3, 3}), ones({3}));
       },
       "bias has 3 elements but the output has 2 channels"},
      {[] {
         conv2d(ones({1, 4, 4}), ones({2, 1, 3, 3}));
       },
       "conv2d: 'input' must have 4 dims"},
      {[] {
         conv2d(ones({1, 1, 4, 4}), ones({1, 1, 3, 3}), {}, {0, 1});
       },
       "stride must be positive, got (0, 1)"},
      {[] {
         conv_transpose2d(ones({1, 4, 3, 3}), ones({3, 2, 3, 3}));
       },
       "conv_transpose2d: weight has 3 input channels but input has 4 channels"},
      {[] {
         conv_transpose2d(ones({1, 2, 3, 3}), ones({2, 1, 3, 3}), {}, {1, 1}, {0, 0}, {1, 1});
       },
       "output_padding (1, 1) must be non-negative and smaller than either stride"},
  };
  for (const auto& [call, expected] : cases) {
    try {
      call();
      ADD_FAILURE() << "no error; expected: " << expected;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  }
}

TEST(Conv, MatchesCpu_CUDA) {
  // Odd sizes; tolerances for sums of ~50 products of 16-bit roundings.
  std::vector<ConvCase> cases = {
      {false, {2, 6, 9, 11}, {8, 3, 3, 3}, {1, 2}, {1, 1}, {1, 1}, {0, 0}, 2, true},
      {false, {2, 5, 13, 7}, {5, 1, 3, 3}, {2, 1}, {1, 1}, {2, 1}, {0, 0}, 5, true},  // depthwise
      {false, {1, 7, 9, 5}, {3, 7, 1, 1}, {1, 1}, {0, 0}, {1, 1}, {0, 0}, 1, false},
      {true, {2, 6, 5, 7}, {6, 3, 3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 0}, 2, true},
      {true, {1, 3, 7, 5}, {3, 5, 4, 3}, {3, 2}, {0, 1}, {1, 2}, {2, 1}, 1, true},
  };
  for (DType t : {DType::F32, DType::F16, DType::BF16})
    for (const auto& c : cases) {
      SCOPED_TRACE(describe(c));
      double tol = t == DType::F32 ? 1e-4 : (t == DType::F16 ? 2e-2 : 1e-1);
      expect_cuda_matches_cpu([&](const std::vector<Tensor>& in) { return run_case(c, in); },
                              inputs_for(c, 7), t, tol);
    }
}

// f32 convolutions are exact f32 on the GPU unless TF32 is asked for, and then still close (a
// 64-channel 3x3 sum of products with 10-bit mantissas); the algorithm cache keeps the two apart.
TEST(Conv, Tf32IsOptIn_CUDA) {
  Tensor x = randn_input({2, 64, 33, 17}, 51, DType::F32, false);
  Tensor w = randn_input({32, 64, 3, 3}, 52, DType::F32, false);
  Tensor want = conv2d(x.to(DType::F64), w.to(DType::F64), {}, {1, 1}, {1, 1});
  auto on_gpu = [&](bool tf32) {
    cuda::set_conv_tf32(tf32);
    Tensor y = conv2d(x.to(cuda_device()), w.to(cuda_device()), {}, {1, 1}, {1, 1});
    cuda::set_conv_tf32(false);
    return y.to(kCPU).to(DType::F64);
  };
  EXPECT_ALL_CLOSE(on_gpu(false), want, 1e-5, 1e-5);
  EXPECT_ALL_CLOSE(on_gpu(true), want, 2e-2, 2e-2);
  EXPECT_ALL_CLOSE(on_gpu(false), want, 1e-5, 1e-5);
}

// Large weights take the banded weight-gradient path (kernels/cpu/conv.cpp: 8 chunks of a
// 128x128x3x3 f64 gradient would pass the partial-sum budget): against a direct sum.
TEST(Conv, LargeWeightGradientMatchesNaive) {
  const int64_t n = 2, c = 128, o = 128, h = 16, w = 16;
  Tensor x = randn_input({n, c, h, w}, 41, DType::F64, false);
  Tensor weight = randn_input({o, c, 3, 3}, 42);
  Tensor r = randn_input({n, o, h, w}, 43, DType::F64, false);
  sum(conv2d(x, weight, {}, {1, 1}, {1, 1}) * r).backward();
  std::vector<double> xv = x.to_vector<double>(), rv = r.to_vector<double>();
  std::vector<double> expected(size_t(o * c * 9), 0.0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < o; ++oc)
      for (int64_t ic = 0; ic < c; ++ic)
        for (int64_t i = 0; i < 3; ++i)
          for (int64_t j = 0; j < 3; ++j) {
            double acc = 0;
            for (int64_t y = 0; y < h; ++y)
              for (int64_t xx = 0; xx < w; ++xx) {
                int64_t iy = y + i - 1, ix = xx + j - 1;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                acc += rv[size_t(((b * o + oc) * h + y) * w + xx)] *
                       xv[size_t(((b * c + ic) * h + iy) * w + ix)];
              }
            expected[size_t(((oc * c + ic) * 3 + i) * 3 + j)] += acc;
          }
  EXPECT_ALL_CLOSE(weight.grad(), from_vector(expected, {o, c, 3, 3}, DType::F64), 1e-10, 1e-10);
}
