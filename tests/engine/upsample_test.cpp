#include <cmath>
#include <map>

#include "tests/fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

UpsampleOptions sized(Size2 size, bool align_corners = false) {
  return {.size = size, .align_corners = align_corners};
}
UpsampleOptions scaled(Scale2 scale, bool align_corners = false, bool recompute = false) {
  return {
      .scale_factor = scale, .align_corners = align_corners, .recompute_scale_factor = recompute};
}

// Up and down, by size and by non-integer scale factors, one axis kept at its size.
std::vector<UpsampleOptions> bilinear_cases() {
  std::vector<UpsampleOptions> v;
  for (bool ac : {false, true})
    for (const UpsampleOptions& o :
         {sized({9, 12}, ac), sized({3, 2}, ac), sized({1, 3}, ac), scaled({1.7, 1.7}, ac),
          scaled({0.6, 0.6}, ac), scaled({1.7, 0.6}, ac, true), scaled({2.1, 1.05}, ac)})
      v.push_back(o);
  return v;
}

// F.interpolate's bilinear rule written out from its definition, in doubles: the source
// coordinate of output o, clamped at 0 unless corners align, copied when the size is unchanged.
Tensor naive_bilinear(const Tensor& x, const UpsampleOptions& o, int64_t oh, int64_t ow) {
  int64_t planes = x.numel() / (x.size(-2) * x.size(-1)), h = x.size(-2), w = x.size(-1);
  auto source = [&](int64_t dst, int64_t in, int64_t out, int a) {
    if (in == out) return double(dst);
    if (o.align_corners) return out > 1 ? double(dst) * double(in - 1) / double(out - 1) : 0.0;
    double scale = o.scale_factor && !o.recompute_scale_factor ? 1 / (*o.scale_factor)[a]
                                                               : double(in) / double(out);
    return std::max(0.0, (double(dst) + 0.5) * scale - 0.5);
  };
  std::vector<double> in = x.to_vector<double>(), out;
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        double sy = source(i, h, oh, 0), sx = source(j, w, ow, 1), v = 0;
        int64_t y0 = int64_t(sy), x0 = int64_t(sx);
        double ly = sy - double(y0), lx = sx - double(x0);
        // At the last row or column both taps are the same pixel and both weights count.
        std::pair<int64_t, double> ys[] = {{y0, 1 - ly}, {std::min(y0 + 1, h - 1), ly}};
        std::pair<int64_t, double> xs[] = {{x0, 1 - lx}, {std::min(x0 + 1, w - 1), lx}};
        for (auto [y, wy] : ys)
          for (auto [z, wx] : xs) v += wy * wx * in[size_t((p * h + y) * w + z)];
        out.push_back(v);
      }
  Shape shape = x.sizes();
  shape[shape.size() - 2] = oh, shape[shape.size() - 1] = ow;
  return from_vector(out, shape, DType::F64);
}

Tensor ramp_like(const Tensor& t) {
  return linspace(-1, 1, t.numel(), DType::F64).reshape(t.sizes());
}

// A label map whose values fit every integer dtype.
Tensor mask_input(const Shape& shape, DType t) {
  std::vector<double> v(size_t(shape_numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = double(i * 37 % 19);
  return from_vector(v, shape, t);
}

}  // namespace

TEST(Upsample, OutputSizes) {
  Tensor x = zeros({2, 3, 5, 7});
  EXPECT_EQ(upsample_bilinear(x, sized({9, 4})).sizes(), (Shape{2, 3, 9, 4}));
  EXPECT_EQ(upsample_bilinear(x, scaled({1.7, 0.6})).sizes(), (Shape{2, 3, 8, 4}));
  EXPECT_EQ(upsample_bilinear(x, scaled({1.7, 0.6}, true, true)).sizes(), (Shape{2, 3, 8, 4}));
  EXPECT_EQ(upsample_nearest(zeros({2, 5, 7}, DType::U8), scaled({4, 4})).sizes(),
            (Shape{2, 20, 28}));
  EXPECT_EQ(upsample_nearest(x, sized({1, 1})).sizes(), (Shape{2, 3, 1, 1}));
}

TEST(Upsample, BilinearMatchesNaive) {
  Tensor x = randn_input({2, 3, 5, 7}, 1, DType::F64, false);
  for (const UpsampleOptions& o : bilinear_cases()) {
    Tensor y = upsample_bilinear(x, o);
    SCOPED_TRACE(shape_str(y.sizes()) + (o.align_corners ? " align_corners" : ""));
    EXPECT_ALL_CLOSE(y, naive_bilinear(x, o, y.size(2), y.size(3)), 1e-12, 1e-14);
    EXPECT_ALL_CLOSE(upsample_bilinear(x.to(DType::F32), o), y, 1e-5, 1e-6);
  }
  // Corners aligned, an integer factor on (in - 1) lands on the input pixels.
  Tensor y = upsample_bilinear(x, sized({9, 13}, true));
  EXPECT_ALL_CLOSE(y.slice(2, 0, 9, 2).slice(3, 0, 13, 2), x, 0, 0);
}

TEST(Upsample, NearestKeepsLabelsAndDtype) {
  Tensor ref = upsample_nearest(mask_input({2, 5, 7}, DType::F64), scaled({1.7, 0.6}));
  for (DType t : {DType::U8, DType::I32, DType::I64, DType::F32}) {
    Tensor y = upsample_nearest(mask_input({2, 5, 7}, t), scaled({1.7, 0.6}));
    EXPECT_EQ(y.dtype(), t);
    EXPECT_ALL_CLOSE(y, ref, 0, 0);
  }
  // Downsampling by 2 keeps the even rows and columns.
  Tensor m = mask_input({1, 1, 6, 8}, DType::I64);
  EXPECT_ALL_CLOSE(upsample_nearest(m, sized({3, 4})), m.slice(2, 0, 6, 2).slice(3, 0, 8, 2), 0, 0);
}

TEST(Upsample, MatchesTorch) {
  auto f = load_fixture("interpolate.txt");
  std::map<std::string, UpsampleOptions> bilinear = {
      {"up_size", sized({9, 12})},
      {"up_size_ac", sized({9, 12}, true)},
      {"down_size", sized({3, 4})},
      {"down_size_ac", sized({3, 4}, true)},
      {"to_one_ac", sized({1, 3}, true)},
      {"scale_1_7", scaled({1.7, 1.7})},
      {"scale_1_7_recompute", scaled({1.7, 1.7}, false, true)},
      {"scale_0_6", scaled({0.6, 0.6})},
      {"scale_0_6_ac", scaled({0.6, 0.6}, true)},
      {"scale_2_1_keep_w", scaled({2.1, 1.05})},
  };
  std::map<std::string, UpsampleOptions> nearest = {
      {"up_size", sized({9, 12})},
      {"down_size", sized({3, 4})},
      {"scale_1_7", scaled({1.7, 1.7})},
      {"scale_0_6", scaled({0.6, 0.6})},
      {"scale_2_1_keep_w", scaled({2.1, 1.05})},
  };
  for (bool is_nearest : {false, true})
    for (const auto& [name, o] : is_nearest ? nearest : bilinear) {
      std::string n = (is_nearest ? "nearest." : "bilinear.") + name;
      SCOPED_TRACE(n);
      Tensor x = f.at("x").detach().requires_grad_();
      Tensor out = is_nearest ? upsample_nearest(x, o) : upsample_bilinear(x, o);
      if (is_nearest) {
        Tensor mask = upsample_nearest(f.at("mask").to(DType::U8), o);
        EXPECT_ALL_CLOSE(mask, f.at(n + ".mask"), 0, 0);
      } else {
        EXPECT_ALL_CLOSE(out, f.at(n + ".out"), 1e-12, 1e-12);
      }
      sum(out * ramp_like(out)).backward();
      EXPECT_ALL_CLOSE(x.grad(), f.at(n + ".gx"), 1e-12, 1e-12);
    }
}

TEST(Upsample, Gradcheck) {
  Tensor x = randn_input({1, 2, 4, 5}, 2);
  for (const UpsampleOptions& o : bilinear_cases()) {
    SCOPED_TRACE(o.align_corners);
    expect_gradcheck([&](auto& in) { return upsample_bilinear(in[0], o); }, {x});
  }
  for (const UpsampleOptions& o : {sized({9, 12}), sized({3, 2}), scaled({1.7, 0.6})})
    expect_gradcheck([&](auto& in) { return upsample_nearest(in[0], o); }, {x});
}

TEST(Upsample, Errors) {
  Tensor x = zeros({1, 1, 4, 4});
  EXPECT_ERROR(upsample_bilinear(x, {}), "upsample_bilinear: give exactly one of 'size'");
  EXPECT_ERROR(upsample_bilinear(x, {.size = Size2{2, 2}, .scale_factor = Scale2{2, 2}}),
               "exactly one");
  EXPECT_ERROR(upsample_bilinear(x, scaled({2, -1})),
               "'scale_factor' must be positive, got (2, -1)");
  EXPECT_ERROR(upsample_nearest(x, sized({0, 3})), "upsample_nearest: output height 0 from 'size'");
  EXPECT_ERROR(upsample_bilinear(x, scaled({0.1, 1})), "output height 0 from 'scale_factor'");
  EXPECT_ERROR(upsample_bilinear(zeros({4, 4}), sized({2, 2})), "'input' must be (N, C, H, W)");
  EXPECT_ERROR(upsample_bilinear(zeros({1, 4, 4}, DType::U8), sized({2, 2})),
               "upsample_bilinear: 'input' must be a floating-point tensor, got u8");
  EXPECT_ERROR(upsample_nearest(x, sized({2, 2}, true)), "upsample_nearest: 'align_corners'");
  EXPECT_ERROR(upsample_nearest(zeros({1, 4, 4}, DType::Bool), sized({2, 2})),
               "upsample_nearest: dtype bool is not supported");
}

TEST(Upsample, BilinearMatchesCpu_CUDA) {
  Tensor x = randn_input({2, 3, 17, 13}, 3);
  for (const UpsampleOptions& o : {sized({37, 29}), sized({37, 29}, true), sized({8, 6}),
                                   sized({8, 6}, true), scaled({1.7, 0.6}), scaled({4, 4}, true)})
    for (DType t : {DType::F32, DType::F16, DType::BF16, DType::F64}) {
      SCOPED_TRACE(dtype_name(t));
      expect_cuda_matches_cpu([&](auto& in) { return upsample_bilinear(in[0], o); }, {x}, t);
    }
}

TEST(Upsample, NearestMatchesCpu_CUDA) {
  Tensor x = randn_input({2, 3, 17, 13}, 4);
  for (const UpsampleOptions& o : {sized({37, 29}), sized({8, 6}), scaled({1.7, 0.6})}) {
    auto op = [&](auto& in) { return upsample_nearest(in[0], o); };
    for (DType t : {DType::F32, DType::F16, DType::BF16}) expect_cuda_matches_cpu(op, {x}, t);
    for (DType t : {DType::U8, DType::I32, DType::I64})
      expect_cuda_matches_cpu(op, {mask_input({2, 17, 13}, t)}, t, 0);
  }
}
