#include <cmath>

#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

struct UnaryCase {
  const char* name;
  std::function<Tensor(const Tensor&)> op;
  std::function<double(double)> ref;
  double lo = -3, hi = 3;  // input range
};

std::vector<UnaryCase> unary_cases() {
  auto sig = [](double x) { return 1 / (1 + std::exp(-x)); };
  return {
      {"neg", [](auto& x) { return neg(x); }, [](double x) { return -x; }},
      {"abs", [](auto& x) { return abs(x); }, [](double x) { return std::abs(x); }},
      {"exp", [](auto& x) { return exp(x); }, [](double x) { return std::exp(x); }},
      {"log", [](auto& x) { return log(x); }, [](double x) { return std::log(x); }, 0.1, 4},
      {"sqrt", [](auto& x) { return sqrt(x); }, [](double x) { return std::sqrt(x); }, 0.1, 4},
      {"rsqrt", [](auto& x) { return rsqrt(x); }, [](double x) { return 1 / std::sqrt(x); }, 0.1,
       4},
      {"sigmoid", [](auto& x) { return sigmoid(x); }, sig},
      {"tanh", [](auto& x) { return tanh(x); }, [](double x) { return std::tanh(x); }},
      {"relu", [](auto& x) { return relu(x); }, [](double x) { return x > 0 ? x : 0; }},
      {"relu6", [](auto& x) { return relu6(x); },
       [](double x) { return std::min(std::max(x, 0.0), 6.0); }, -3, 9},
      {"leaky_relu", [](auto& x) { return leaky_relu(x, 0.1); },
       [](double x) { return x > 0 ? x : 0.1 * x; }},
      {"elu", [](auto& x) { return elu(x, 1.5); },
       [](double x) { return x > 0 ? x : 1.5 * (std::exp(x) - 1); }},
      {"hardsigmoid", [](auto& x) { return hardsigmoid(x); },
       [](double x) { return std::min(std::max(x / 6 + 0.5, 0.0), 1.0); }, -5, 5},
      {"hardswish", [](auto& x) { return hardswish(x); },
       [](double x) { return x * std::min(std::max(x + 3, 0.0), 6.0) / 6; }, -5, 5},
      {"silu", [](auto& x) { return silu(x); }, [=](double x) { return x * sig(x); }},
      {"gelu", [](auto& x) { return gelu(x); },
       [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }},
      {"clamp", [](auto& x) { return clamp(x, -0.5, 1.0); },
       [](double x) { return std::min(std::max(x, -0.5), 1.0); }},
  };
}

// Inputs in [lo, hi] kept away from the kinks at 0, +-3, 6, -0.5, 1 where finite differences lie.
Tensor unary_input(const UnaryCase& c, const Shape& shape, uint64_t seed) {
  Generator g(seed);
  Tensor u = rand(shape, {DType::F64}, &g) * (c.hi - c.lo) + c.lo;
  std::vector<double> v = u.to_vector<double>();
  for (double& x : v)
    for (double k : {0.0, 3.0, -3.0, 6.0, -0.5, 1.0})
      if (std::abs(x - k) < 1e-3) x += 2e-3;
  return from_vector(v, shape, DType::F64).requires_grad_();
}

}  // namespace

TEST(Unary, ForwardMatchesReference) {
  for (const auto& c : unary_cases()) {
    Tensor x = unary_input(c, {3, 7}, 1);
    std::vector<double> xs = x.to_vector<double>(), ref;
    for (double v : xs) ref.push_back(c.ref(v));
    EXPECT_ALL_CLOSE(c.op(x), from_vector(ref, {3, 7}, DType::F64), 1e-12, 1e-12) << c.name;
    // f32 goes through the same kernel.
    EXPECT_ALL_CLOSE(c.op(x.detach().to(DType::F32)), from_vector(ref, {3, 7}, DType::F64), 1e-5,
                     1e-6)
        << c.name;
  }
}

TEST(Unary, Gradcheck) {
  for (const auto& c : unary_cases()) {
    SCOPED_TRACE(c.name);
    expect_gradcheck([&](const std::vector<Tensor>& in) { return c.op(in[0]); },
                     {unary_input(c, {2, 5}, 2)});
  }
}

TEST(Unary, MatchesCpu_CUDA) {
  for (const auto& c : unary_cases())
    for (DType t : {DType::F32, DType::F16, DType::BF16}) {
      SCOPED_TRACE(c.name);
      expect_cuda_matches_cpu([&](const std::vector<Tensor>& in) { return c.op(in[0]); },
                              {unary_input(c, {5, 37, 3}, 3)}, t);
    }
}

namespace {
struct BinaryCase {
  const char* name;
  std::function<Tensor(const Tensor&, const Tensor&)> op;
  std::function<double(double, double)> ref;
  bool positive_a = false;
};
std::vector<BinaryCase> binary_cases() {
  return {
      {"add", [](auto& a, auto& b) { return a + b; }, [](double a, double b) { return a + b; }},
      {"add_alpha", [](auto& a, auto& b) { return add(a, b, 0.5); },
       [](double a, double b) { return a + 0.5 * b; }},
      {"sub", [](auto& a, auto& b) { return a - b; }, [](double a, double b) { return a - b; }},
      {"mul", [](auto& a, auto& b) { return a * b; }, [](double a, double b) { return a * b; }},
      {"div", [](auto& a, auto& b) { return a / b; }, [](double a, double b) { return a / b; }},
      {"pow", [](auto& a, auto& b) { return pow(a, b); },
       [](double a, double b) { return std::pow(a, b); }, true},
      {"maximum", [](auto& a, auto& b) { return maximum(a, b); },
       [](double a, double b) { return std::max(a, b); }},
      {"minimum", [](auto& a, auto& b) { return minimum(a, b); },
       [](double a, double b) { return std::min(a, b); }},
  };
}
}  // namespace

TEST(Binary, BroadcastForwardAndGradcheck) {
  for (const auto& c : binary_cases()) {
    SCOPED_TRACE(c.name);
    Tensor a = randn_input({2, 3, 4}, 5);
    if (c.positive_a) a = (abs(a.detach()) + 0.5).requires_grad_();
    Tensor b = randn_input({3, 1}, 6);  // broadcasts over dims 0 and 2
    std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>(), ref;
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j)
        for (int k = 0; k < 4; ++k)
          ref.push_back(c.ref(av[size_t(i * 12 + j * 4 + k)], bv[size_t(j)]));
    EXPECT_ALL_CLOSE(c.op(a, b), from_vector(ref, {2, 3, 4}, DType::F64), 1e-12, 1e-12);
    expect_gradcheck([&](const std::vector<Tensor>& in) { return c.op(in[0], in[1]); }, {a, b});
  }
}

TEST(Binary, MatchesCpu_CUDA) {
  for (const auto& c : binary_cases())
    for (DType t : {DType::F32, DType::F16, DType::BF16}) {
      SCOPED_TRACE(c.name);
      Tensor a = randn_input({3, 33, 5}, 7);
      if (c.positive_a) a = (abs(a.detach()) + 0.5).requires_grad_();
      expect_cuda_matches_cpu([&](const std::vector<Tensor>& in) { return c.op(in[0], in[1]); },
                              {a, randn_input({33, 1}, 8)}, t);
    }
}

TEST(Binary, ComparisonsAndWhere) {
  Tensor a = from_vector<double>({1, 2, 3, 4}, {4}, DType::F64);
  Tensor b = from_vector<double>({4, 2, 1, 5}, {4}, DType::F64);
  EXPECT_EQ(lt(a, b).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 0, 0, 1}));
  EXPECT_EQ(eq(a, b).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 0, 0}));
  EXPECT_EQ(ge(a, b).to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 1, 0}));
  Tensor x = randn_input({4}, 9), y = randn_input({4}, 10);
  Tensor cond = gt(a, b);
  Tensor w = where(cond, x, y);
  std::vector<double> xv = x.to_vector<double>(), yv = y.to_vector<double>();
  EXPECT_EQ(w.to_vector<double>(), (std::vector<double>{yv[0], yv[1], xv[2], yv[3]}));
  expect_gradcheck([&](const std::vector<Tensor>& in) { return where(cond, in[0], in[1]); },
                   {x, y});
}

TEST(Binary, PromotionAndErrors) {
  Tensor i = from_vector<int32_t>({1, 2}, {2}, DType::I32);
  Tensor f = from_vector<float>({0.5f, 0.25f}, {2});
  EXPECT_EQ((i + f).dtype(), DType::F32);
  EXPECT_EQ((i + f).to_vector<float>(), (std::vector<float>{1.5f, 2.25f}));
  EXPECT_EQ(add(i, i).dtype(), DType::I32);
  try {
    add(ones({2, 3}), ones({4}));
    FAIL() << "expected a broadcast error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3] and [4]"), std::string::npos) << e.what();
  }
}

TEST(Binary, InPlace) {
  Tensor x = ones({2, 2});
  add_(x, full({2}, 2.0));
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>(4, 3.0f)));
  Tensor p = ones({2}).requires_grad_();
  EXPECT_THROW(add_(p, ones({2})), Error);  // would corrupt the graph
  {
    NoGradGuard g;
    add_(p, ones({2}));  // optimizers update parameters like this
  }
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{2, 2}));
}
