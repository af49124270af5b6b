#include <cmath>  // before op_harness.h, which uses std::isnan

#include "tests/fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

using SoftmaxFn = Tensor (*)(const Tensor&, int64_t);

// Naive reference: for each line along `dim`, exp(x - max) / sum, or its log.
Tensor reference(const Tensor& x, int64_t dim, bool log_form) {
  std::vector<double> v = x.detach().to_vector<double>(), out(v.size());
  int64_t d = x.wrap_dim(dim), outer = 1, n = x.size(d), inner = 1;
  for (int64_t k = 0; k < x.dim(); ++k) (k < d ? outer : inner) *= k == d ? 1 : x.size(k);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t j) { return size_t((o * n + j) * inner + i); };
      double m = -INFINITY, s = 0;
      for (int64_t j = 0; j < n; ++j) m = std::max(m, v[at(j)]);
      for (int64_t j = 0; j < n; ++j) s += std::exp(v[at(j)] - m);
      for (int64_t j = 0; j < n; ++j)
        out[at(j)] = log_form ? v[at(j)] - m - std::log(s) : std::exp(v[at(j)] - m) / s;
    }
  return from_vector(out, x.sizes(), DType::F64);
}

struct Kind {
  const char* name;
  SoftmaxFn fn;
  bool log_form;
};
const Kind kKinds[] = {{"softmax", softmax, false}, {"log_softmax", log_softmax, true}};

}  // namespace

TEST(Softmax, ForwardMatchesReferenceOnEveryDim) {
  Tensor x = randn_input({2, 3, 4, 5}, 1) * 4.0;
  for (const Kind& k : kKinds)
    for (int64_t dim : {0, 1, 2, 3, -1, -3}) {
      SCOPED_TRACE(std::string(k.name) + " dim " + std::to_string(dim));
      Tensor ref = reference(x, dim, k.log_form);
      EXPECT_ALL_CLOSE(k.fn(x, dim), ref, 1e-12, 1e-14);
      EXPECT_ALL_CLOSE(k.fn(x.detach().to(DType::F32), dim), ref, 1e-5, 1e-6);
    }
}

TEST(Softmax, StableForLargeInputsAndScalars) {
  Tensor x = from_vector<float>({1000, 1001, 1002, -1e4f}, {4});
  Tensor ref = reference(x.to(DType::F64), 0, false);
  EXPECT_ALL_CLOSE(softmax(x, 0), ref, 1e-6, 1e-7);
  EXPECT_ALL_CLOSE(log_softmax(x, -1), reference(x.to(DType::F64), 0, true), 1e-6, 1e-4);
  EXPECT_EQ(softmax(scalar_tensor(3.0), 0).item(), 1.0);
  EXPECT_EQ(log_softmax(scalar_tensor(3.0), -1).item(), 0.0);
}

TEST(Softmax, MatchesPyTorchFixture) {
  auto f = load_fixture("softmax.txt");
  for (const Kind& k : kKinds)
    for (int64_t dim : {1, -1}) {
      std::string key = std::string(k.name) + "_" + std::to_string(dim);
      SCOPED_TRACE(key);
      Tensor x = f.at("x").clone().requires_grad_();
      Tensor y = k.fn(x, dim);
      EXPECT_ALL_CLOSE(y, f.at(key), 1e-12, 1e-14);
      sum(y * f.at("g")).backward();
      EXPECT_ALL_CLOSE(x.grad(), f.at(key + "_grad"), 1e-10, 1e-12);
    }
}

TEST(Softmax, Gradcheck) {
  for (const Kind& k : kKinds)
    for (int64_t dim : {0, 1, -1}) {
      SCOPED_TRACE(std::string(k.name) + " dim " + std::to_string(dim));
      expect_gradcheck([&](const std::vector<Tensor>& in) { return k.fn(in[0], dim); },
                       {randn_input({2, 3, 4}, 2)});
    }
}

TEST(Softmax, ErrorsNameOpAndArgument) {
  try {
    softmax(ones({2, 3}), 2);
    FAIL() << "expected a dim error";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("softmax: dim 2 is out of range for input of shape [2, 3]"),
        std::string::npos)
        << e.what();
  }
  try {
    log_softmax(ones({2}, {DType::I64}), 0);
    FAIL() << "expected a dtype error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("log_softmax"), std::string::npos) << e.what();
  }
}

TEST(Softmax, MatchesCpu_CUDA) {
  // [3, 37, 5] over dim 1: a thread per strided line; [7, 133] over -1: a warp per row, longer
  // than a warp and not a multiple of one; [5, 3, 7] over dim 0: the outermost dim.
  const std::pair<Shape, int64_t> cases[] = {{{3, 37, 5}, 1}, {{7, 133}, -1}, {{5, 3, 7}, 0}};
  for (const Kind& k : kKinds)
    for (const auto& [shape, dim] : cases)
      for (DType t : {DType::F32, DType::F16, DType::BF16}) {
        SCOPED_TRACE(std::string(k.name) + " " + shape_str(shape) + " dim " + std::to_string(dim));
        expect_cuda_matches_cpu([&](const std::vector<Tensor>& in) { return k.fn(in[0], dim); },
                                {randn_input(shape, 3)}, t);
      }
}
