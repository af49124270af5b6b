// The direct 3x3 convolution (kernels/cpu/conv_direct.h) against a naive f64 convolution, for
// both vector widths, on odd sizes: channel counts that leave a partial register block, widths
// that leave a partial tile, every padding the path takes, dilation, bias.
#include "kernels/cpu/conv_direct.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace tessel::kernels {
namespace {

struct Case {
  int64_t n, c, o, h, w, pad_h, pad_w, dil_h, dil_w;
  bool bias;
};

ConvShape shape_of(const Case& k) {
  ConvShape s{.n = k.n, .c = k.c, .h = k.h, .w = k.w, .o = k.o, .kh = 3, .kw = 3};
  s.pad_h = k.pad_h, s.pad_w = k.pad_w, s.dil_h = k.dil_h, s.dil_w = k.dil_w;
  s.oh = k.h + 2 * k.pad_h - 2 * k.dil_h;
  s.ow = k.w + 2 * k.pad_w - 2 * k.dil_w;
  return s;
}

std::string describe(const Case& k, int width) {
  std::ostringstream s;  // (GCC 12 warns falsely on a chain of string +)
  s << "n" << k.n << " c" << k.c << " o" << k.o << " " << k.h << "x" << k.w << " pad " << k.pad_h
    << "," << k.pad_w << " dil " << k.dil_h << "," << k.dil_w << " width " << width;
  return s.str();
}

std::vector<float> random(size_t size, uint32_t seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(size);
  for (float& x : v) x = u(g);
  return v;
}

// Calls fn(y, x, w) with the flat indices of the output pixel, input pixel and weight of every
// (output pixel, input channel, tap) whose input pixel lies inside the image.
template <typename Fn>
void each_tap(const ConvShape& s, const Fn& fn) {
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t o = 0; o < s.o; ++o)
      for (int64_t c = 0; c < s.c; ++c)
        for (int64_t oy = 0; oy < s.oh; ++oy)
          for (int64_t ox = 0; ox < s.ow; ++ox)
            for (int tap = 0; tap < 9; ++tap) {
              int64_t iy = oy - s.pad_h + tap / 3 * s.dil_h, ix = ox - s.pad_w + tap % 3 * s.dil_w;
              if (iy >= 0 && iy < s.h && ix >= 0 && ix < s.w)
                fn(size_t(((n * s.o + o) * s.oh + oy) * s.ow + ox),
                   size_t(((n * s.c + c) * s.h + iy) * s.w + ix), size_t((o * s.c + c) * 9 + tap));
            }
}

// want[i] += bias[channel of i] for maps of `plane` elements.
void add_bias(std::vector<double>& want, const std::vector<float>& bias, int64_t plane) {
  for (size_t i = 0; i < want.size(); ++i) want[i] += bias[i / size_t(plane) % bias.size()];
}

// |got - want| within f32 rounding of a sum of `terms` products of values in [-1, 1].
void expect_close(const std::vector<float>& got, const std::vector<double>& want, double terms,
                  const char* what) {
  ASSERT_EQ(got.size(), want.size());
  double tol = 4e-7 * terms + 1e-6;
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], tol) << what << " at " << i;
}

std::vector<Case> cases() {
  return {
      {2, 3, 5, 7, 9, 1, 1, 1, 1, true},       // partial blocks and tiles everywhere
      {1, 17, 13, 20, 37, 1, 1, 1, 1, false},  // two tiles of 16, a partial one
      {2, 4, 9, 11, 50, 2, 2, 2, 2, true},     // dilation 2, padding 2 (DeepLab's "same")
      {1, 5, 8, 6, 19, 0, 0, 1, 1, false},     // unpadded
      {1, 6, 4, 9, 21, 1, 2, 1, 2, true},      // different padding and dilation per axis
      {3, 8, 16, 5, 96, 1, 1, 1, 1, false},    // three vectors of 16 per tile
      {1, 2, 3, 3, 3, 0, 0, 1, 1, true},       // a 1x1 output
  };
}

std::vector<int> widths() {
  std::vector<int> w{8};
  if (conv_direct_vector_width() == 16) w.push_back(16);
  return w;
}

TEST(ConvDirect, ForwardMatchesNaive) {
  for (const Case& k : cases())
    for (int width : widths()) {
      SCOPED_TRACE(describe(k, width));
      ConvShape s = shape_of(k);
      ASSERT_GT(s.oh, 0);
      auto x = random(size_t(s.n * s.c * s.h * s.w), 1), w = random(size_t(s.o * s.c * 9), 2),
           b = random(size_t(s.o), 3);
      std::vector<double> want(size_t(s.n * s.o * s.oh * s.ow), 0.0);
      each_tap(s, [&](size_t yi, size_t xi, size_t wi) { want[yi] += double(x[xi]) * w[wi]; });
      if (k.bias) add_bias(want, b, s.oh * s.ow);
      std::vector<float> y(want.size(), NAN);
      conv_direct_forward(s, y.data(), x.data(), w.data(), k.bias ? b.data() : nullptr, width);
      expect_close(y, want, double(s.c * 9), "y");
    }
}

TEST(ConvDirect, InputGradientMatchesNaive) {
  for (const Case& k : cases())
    for (int width : widths()) {
      SCOPED_TRACE(describe(k, width));
      ConvShape s = shape_of(k);
      auto dy = random(size_t(s.n * s.o * s.oh * s.ow), 4), w = random(size_t(s.o * s.c * 9), 5),
           b = random(size_t(s.c), 6);
      std::vector<double> want(size_t(s.n * s.c * s.h * s.w), 0.0);
      each_tap(s, [&](size_t yi, size_t xi, size_t wi) { want[xi] += double(dy[yi]) * w[wi]; });
      if (k.bias) add_bias(want, b, s.h * s.w);  // conv_transpose2d's bias, over dx's channels
      std::vector<float> dx(want.size(), NAN);
      conv_direct_backward_input(s, dx.data(), dy.data(), w.data(), k.bias ? b.data() : nullptr,
                                 width);
      expect_close(dx, want, double(s.o * 9), "dx");
    }
}

TEST(ConvDirect, WeightGradientMatchesNaiveWhateverTheThreadCount) {
  for (const Case& k : cases())
    for (int width : widths()) {
      SCOPED_TRACE(describe(k, width));
      ConvShape s = shape_of(k);
      auto dy = random(size_t(s.n * s.o * s.oh * s.ow), 7),
           x = random(size_t(s.n * s.c * s.h * s.w), 8);
      std::vector<double> want(size_t(s.o * s.c * 9), 0.0);
      each_tap(s, [&](size_t yi, size_t xi, size_t wi) { want[wi] += double(dy[yi]) * x[xi]; });
      std::vector<float> dw(want.size(), NAN), serial(want.size(), NAN);
      conv_direct_backward_weight(s, dw.data(), dy.data(), x.data(), width);
      expect_close(dw, want, double(s.n * s.oh * s.ow), "dw");
      int threads = omp_get_max_threads();
      omp_set_num_threads(1);
      conv_direct_backward_weight(s, serial.data(), dy.data(), x.data(), width);
      omp_set_num_threads(threads);
      EXPECT_EQ(dw, serial) << "the weight gradient depends on the thread count";
    }
}

TEST(ConvDirect, TakesOnlyShapesItComputes) {
  ConvShape s = shape_of({2, 16, 16, 96, 96, 1, 1, 1, 1, false});
  EXPECT_TRUE(conv_direct_applies(s));
  EXPECT_TRUE(conv_direct_weight_applies(s));
  ConvShape deep = shape_of({2, 128, 128, 12, 12, 1, 1, 1, 1, false});
  EXPECT_TRUE(conv_direct_applies(deep));
  EXPECT_FALSE(conv_direct_weight_applies(deep));
  ConvShape narrow = shape_of({2, 16, 16, 6, 6, 1, 1, 1, 1, false});  // under half a vector
  EXPECT_FALSE(conv_direct_applies(narrow));
  ConvShape strided = s;
  strided.stride_h = 2, strided.oh = 48;
  EXPECT_FALSE(conv_direct_applies(strided));
  ConvShape grouped = s;
  grouped.groups = 2;
  EXPECT_FALSE(conv_direct_applies(grouped));
  ConvShape wide = shape_of({2, 3, 16, 96, 96, 3, 3, 1, 1, false});  // padding past the reach
  EXPECT_FALSE(conv_direct_applies(wide));
  ConvShape five = s;
  five.kh = five.kw = 5, five.pad_h = five.pad_w = 2;
  EXPECT_FALSE(conv_direct_applies(five));
}

TEST(ConvDirect, RejectsAnUnknownVectorWidth) {
  ConvShape s = shape_of(cases()[0]);
  std::vector<float> y(size_t(s.n * s.o * s.oh * s.ow)), x(size_t(s.n * s.c * s.h * s.w)),
      w(size_t(s.o * s.c * 9));
  EXPECT_THROW(conv_direct_forward(s, y.data(), x.data(), w.data(), nullptr, 4), std::exception);
}

}  // namespace
}  // namespace tessel::kernels
