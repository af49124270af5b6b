#include "tests/fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

struct Window {
  Size2 k, s, p, d;
  bool ceil_mode = false, count_include_pad = true;
};

// Straight from the definitions: every tap of every window, in doubles. Max skips taps outside
// the input; the average divides by the taps inside the padded input (count_include_pad) or
// inside the input itself.
Tensor naive_pool(const Tensor& x, bool is_max, const Window& w, int64_t oh, int64_t ow) {
  int64_t planes = x.size(0) * x.size(1), h = x.size(2), wd = x.size(3);
  std::vector<double> in = x.to_vector<double>(), out;
  for (int64_t c = 0; c < planes; ++c)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        double best = -INFINITY, sum = 0;
        int64_t inside = 0, padded = 0;
        for (int64_t a = 0; a < w.k[0]; ++a)
          for (int64_t b = 0; b < w.k[1]; ++b) {
            int64_t y = i * w.s[0] - w.p[0] + a * w.d[0], z = j * w.s[1] - w.p[1] + b * w.d[1];
            padded += y < h + w.p[0] && z < wd + w.p[1];
            if (y < 0 || y >= h || z < 0 || z >= wd) continue;
            double v = in[size_t((c * h + y) * wd + z)];
            best = std::max(best, v), sum += v, ++inside;
          }
        out.push_back(is_max ? best : sum / double(w.count_include_pad ? padded : inside));
      }
  return from_vector(out, {x.size(0), x.size(1), oh, ow}, DType::F64);
}

// Values distinct within any window and exact in bf16, so every dtype picks the same maxima.
Tensor distinct_input(const Shape& shape) {
  std::vector<double> v(size_t(shape_numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = double(int64_t(i * 37 % 251) - 125) / 16;
  return from_vector(v, shape, DType::F64).requires_grad_();
}

}  // namespace

TEST(Pool, OutputSizeRules) {
  Tensor x = zeros({1, 1, 5, 7});
  EXPECT_EQ(max_pool2d(x, {2, 2}).sizes(), (Shape{1, 1, 2, 3}));
  EXPECT_EQ(max_pool2d(x, {2, 2}, {2, 2}, {0, 0}, {1, 1}, true).sizes(), (Shape{1, 1, 3, 4}));
  // ceil_mode would give 4 rows, but the 4th window would start in the bottom padding.
  EXPECT_EQ(max_pool2d(x, {2, 2}, {2, 2}, {1, 1}, {1, 1}, true).sizes(), (Shape{1, 1, 3, 4}));
  EXPECT_EQ(max_pool2d(x, {3, 3}, {1, 1}, {0, 0}, {2, 2}).sizes(), (Shape{1, 1, 1, 3}));
  EXPECT_EQ(avg_pool2d(zeros({2, 5, 7}), {3, 2}, {2, 3}, {1, 1}, true).sizes(), (Shape{2, 3, 3}));
  EXPECT_EQ(adaptive_avg_pool2d(x, {3, 9}).sizes(), (Shape{1, 1, 3, 9}));
}

TEST(Pool, ForwardMatchesNaive) {
  Tensor x = randn_input({2, 3, 7, 8}, 1, DType::F64, false);
  for (const Window& w : {Window{{3, 3}, {2, 2}, {1, 1}, {1, 1}, true, true},
                          Window{{3, 3}, {2, 2}, {1, 1}, {1, 1}, true, false},
                          Window{{2, 3}, {1, 2}, {1, 0}, {2, 1}, false, false},
                          Window{{3, 2}, {3, 3}, {0, 1}, {1, 1}, true, true}}) {
    Tensor m = max_pool2d(x, w.k, w.s, w.p, w.d, w.ceil_mode);
    EXPECT_ALL_CLOSE(m, naive_pool(x, true, w, m.size(2), m.size(3)), 1e-15, 0);
    if (w.d != Size2{1, 1}) continue;
    Tensor a = avg_pool2d(x, w.k, w.s, w.p, w.ceil_mode, w.count_include_pad);
    EXPECT_ALL_CLOSE(a, naive_pool(x, false, w, a.size(2), a.size(3)), 1e-12, 1e-15);
    EXPECT_ALL_CLOSE(avg_pool2d(x.to(DType::F32), w.k, w.s, w.p, w.ceil_mode, w.count_include_pad),
                     a, 1e-5, 1e-6);
  }
  // Adaptive pooling with a divisible size is plain average pooling.
  EXPECT_ALL_CLOSE(adaptive_avg_pool2d(x, {7, 4}), avg_pool2d(x, {1, 2}), 1e-15, 0);
}

TEST(Pool, MatchesTorch) {
  auto f = load_fixture("pool.txt");
  struct Case {
    const char* name;
    std::function<Tensor(const Tensor&)> op;
  };
  std::vector<Case> cases = {
      {"max_ceil_dil",
       [](auto& x) {
         return max_pool2d(x, {3, 2}, {2, 3}, {1, 1}, {2, 1}, true);
       }},
      {"max_pad",
       [](auto& x) {
         return max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
       }},
      {"max_ceil",
       [](auto& x) {
         return max_pool2d(x, {2, 2}, {2, 2}, {0, 0}, {1, 1}, true);
       }},
      {"avg_ceil_pad",
       [](auto& x) {
         return avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}, true, true);
       }},
      {"avg_ceil_nopad",
       [](auto& x) {
         return avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}, true, false);
       }},
      {"avg_rect",
       [](auto& x) {
         return avg_pool2d(x, {2, 3}, {3, 2}, {1, 0}, false, false);
       }},
      {"adaptive_down",
       [](auto& x) {
         return adaptive_avg_pool2d(x, {3, 4});
       }},
      {"adaptive_up",
       [](auto& x) {
         return adaptive_avg_pool2d(x, {7, 3});
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string n = c.name;
    Tensor x = f.at(n + ".x").requires_grad_();
    Tensor out = c.op(x);
    EXPECT_ALL_CLOSE(out, f.at(n + ".out"), 1e-12, 1e-12);
    sum(out * f.at(n + ".g")).backward();
    EXPECT_ALL_CLOSE(x.grad(), f.at(n + ".gx"), 1e-12, 1e-12);
  }
  Tensor x = f.at("max_ceil_dil.x");
  auto [values, idx] = max_pool2d_with_indices(x, {3, 2}, {2, 3}, {1, 1}, {2, 1}, true);
  EXPECT_EQ(idx.dtype(), DType::I64);
  EXPECT_EQ(idx.to_vector<int64_t>(), f.at("max_ceil_dil.idx").to_vector<int64_t>());
}

TEST(Pool, Gradcheck) {
  Tensor x = randn_input({2, 2, 5, 6}, 2);
  expect_gradcheck(
      [](auto& in) {
        return max_pool2d(in[0], {3, 2}, {2, 2}, {1, 1}, {1, 2}, true);
      },
      {x});
  // Windows that do not overlap take the CPU's scatter: with ceil mode's partial windows, and
  // with gaps between windows and padding.
  expect_gradcheck(
      [](auto& in) {
        return max_pool2d(in[0], {2, 2}, {2, 2}, {0, 0}, {1, 1}, true);
      },
      {x});
  expect_gradcheck(
      [](auto& in) {
        return max_pool2d(in[0], {2, 2}, {3, 3}, {1, 1}, {1, 1}, false);
      },
      {x});
  expect_gradcheck(
      [](auto& in) {
        return avg_pool2d(in[0], {3, 3}, {2, 1}, {1, 1}, true, true);
      },
      {x});
  expect_gradcheck(
      [](auto& in) {
        return avg_pool2d(in[0], {2, 3}, {2, 2}, {1, 1}, true, false);
      },
      {x});
  expect_gradcheck([](auto& in) { return adaptive_avg_pool2d(in[0], {3, 4}); }, {x});
  expect_gradcheck([](auto& in) { return adaptive_avg_pool2d(in[0], {7, 4}); }, {x});
  // Sizes that divide the input's take the CPU's one-window-per-input path.
  expect_gradcheck([](auto& in) { return adaptive_avg_pool2d(in[0], {1, 1}); }, {x});
  expect_gradcheck([](auto& in) { return adaptive_avg_pool2d(in[0], {5, 3}); }, {x});
}

TEST(Pool, Errors) {
  Tensor x = zeros({1, 1, 4, 4});
  EXPECT_ERROR(max_pool2d(x, {2, 2}, {2, 2}, {2, 0}), "padding (2, 0)");
  EXPECT_ERROR(max_pool2d(x, {5, 5}), "output size");
  EXPECT_ERROR(avg_pool2d(x, {0, 2}), "kernel (0, 2)");
  EXPECT_ERROR(adaptive_avg_pool2d(zeros({4, 4}), {2, 2}), "[4, 4]");
  EXPECT_ERROR(adaptive_avg_pool2d(x, {0, 2}), "output_size");
  EXPECT_ERROR(max_pool2d(zeros({1, 1, 4, 4}, DType::I32), {2, 2}), "max_pool2d");
}

TEST(Pool, MatchesCpu_CUDA) {
  Tensor x = distinct_input({2, 3, 17, 13});
  std::vector<OpFn> ops = {
      [](auto& in) {
        return max_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}, {1, 1}, true);
      },
      [](auto& in) {
        return max_pool2d(in[0], {2, 3}, {1, 2}, {1, 1}, {2, 1});
      },
      [](auto& in) {
        return avg_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}, true, true);
      },
      [](auto& in) {
        return avg_pool2d(in[0], {3, 2}, {2, 3}, {1, 1}, true, false);
      },
      [](auto& in) {
        return adaptive_avg_pool2d(in[0], {5, 4});
      },
      [](auto& in) {
        return adaptive_avg_pool2d(in[0], {19, 7});
      },
  };
  for (size_t i = 0; i < ops.size(); ++i)
    for (DType t : {DType::F32, DType::F16, DType::BF16}) {
      SCOPED_TRACE(i);
      expect_cuda_matches_cpu(ops[i], {x}, t);
    }
}

namespace {

struct UnpoolCase {
  const char* name;
  Size2 k, s, p;
  bool ceil_mode;
};

// The cases of tests/fixtures/gen_max_unpool.py; "overlap" repeats indices where its 3x3 windows
// share a border.
const UnpoolCase kUnpoolCases[] = {{"pairs", {2, 2}, {2, 2}, {0, 0}, false},
                                   {"pairs_ceil", {2, 2}, {2, 2}, {0, 0}, true},
                                   {"overlap", {3, 3}, {2, 2}, {1, 1}, false},
                                   {"rect", {2, 3}, {2, 3}, {0, 1}, false}};

}  // namespace

TEST(MaxUnpool, MatchesTorch) {
  auto f = load_fixture("max_unpool.txt");
  for (const UnpoolCase& c : kUnpoolCases) {
    SCOPED_TRACE(c.name);
    std::string n = c.name;
    Tensor v = f.at(n + ".v").requires_grad_(), want = f.at(n + ".out");
    Tensor out = max_unpool2d(v, f.at(n + ".idx").to(DType::I64), c.k, c.s, c.p,
                              {want.size(2), want.size(3)});
    EXPECT_ALL_CLOSE(out, want, 0, 0);
    sum(out * f.at(n + ".g")).backward();
    EXPECT_ALL_CLOSE(v.grad(), f.at(n + ".gv"), 0, 0);
  }
}

// Unpooling the maxima puts each back where it was: max_pool2d's own backward with a gradient of
// the pooled values. An odd input needs its size back (the default is the even one below it).
TEST(MaxUnpool, InvertsMaxPoolAtTheInputsSize) {
  for (const Shape& shape : {Shape{2, 3, 9, 7}, Shape{2, 3, 8, 6}}) {
    Tensor x = distinct_input(shape).detach();
    auto [values, idx] = max_pool2d_with_indices(x, {2, 2});
    Tensor up = max_unpool2d(values, idx, {2, 2}, {2, 2}, {0, 0}, {shape[2], shape[3]});
    Tensor leaf = x.clone().requires_grad_();
    sum(max_pool2d(leaf, {2, 2}) * values).backward();
    EXPECT_ALL_CLOSE(up, leaf.grad(), 0, 0);
  }
  auto [values, idx] = max_pool2d_with_indices(distinct_input({3, 8, 6}).detach(), {2, 2});
  EXPECT_EQ(max_unpool2d(values, idx, {2, 2}).sizes(), (Shape{3, 8, 6}));
}

// Windows that do not overlap, so that no index repeats: the gradient is then the derivative.
TEST(MaxUnpool, Gradcheck) {
  Tensor x = distinct_input({2, 2, 7, 9}).detach();
  for (const UnpoolCase& c : {kUnpoolCases[0], kUnpoolCases[1], kUnpoolCases[3]}) {
    SCOPED_TRACE(c.name);
    Tensor idx = max_pool2d_with_indices(x, c.k, c.s, c.p, {1, 1}, c.ceil_mode).second;
    expect_gradcheck(
        [&](auto& in) {
          return max_unpool2d(in[0], idx, c.k, c.s, c.p, {7, 9});
        },
        {randn_input(idx.sizes(), 6)});
  }
}

TEST(MaxUnpool, Errors) {
  Tensor v = zeros({1, 1, 2, 2});
  Tensor idx = from_vector(std::vector<double>{3, 2, 8, 15}, {1, 1, 2, 2}, DType::F64);
  EXPECT_ERROR(max_unpool2d(v, idx, {2, 2}), "'indices'");
  idx = idx.to(DType::I64);
  EXPECT_ERROR(max_unpool2d(v, idx, {2, 2}, {2, 2}, {0, 0}, {6, 4}), "output_size");
  EXPECT_ERROR(max_unpool2d(v, idx.reshape({1, 1, 4, 1}), {2, 2}), "'indices' has shape");
  // Index 3 of position (0, 0) is pixel (0, 3), in the window of position (0, 1).
  EXPECT_ERROR(max_unpool2d(v, idx, {2, 2}), "element 0 is 3, outside the window");
  EXPECT_ERROR(max_unpool2d(v, idx, {0, 2}), "kernel (0, 2)");
}

// Odd sizes, the later-value rule on overlapping windows included.
TEST(MaxUnpool, MatchesCpu_CUDA) {
  Tensor x = distinct_input({2, 3, 17, 13}).detach();
  for (const UnpoolCase& c : kUnpoolCases) {
    SCOPED_TRACE(c.name);
    Tensor idx = max_pool2d_with_indices(x, c.k, c.s, c.p, {1, 1}, c.ceil_mode).second;
    OpFn op = [&](auto& in) { return max_unpool2d(in[0], in[1], c.k, c.s, c.p, {17, 13}); };
    for (DType t : {DType::F32, DType::F16, DType::BF16})
      expect_cuda_matches_cpu(op, {randn_input(idx.sizes(), 7), idx}, t);
  }
}
