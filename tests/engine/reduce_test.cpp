#include <algorithm>
#include <cmath>  // before op_harness.h, which uses std::isnan
#include <numeric>

#include <omp.h>

#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

using GroupFn = std::function<double(const std::vector<double>&)>;

// Naive reduction: fn over the values (in row-major order) that reduce into each output element.
Tensor reference(const Tensor& x, const Dims& dims, bool keepdim, const GroupFn& fn) {
  const Shape& xs = x.sizes();
  int64_t nd = x.dim();
  std::vector<bool> reduced(size_t(nd), dims.empty());
  for (int64_t d : dims) reduced[size_t((d + nd) % nd)] = true;
  Shape shape;
  int64_t groups = 1;
  for (int64_t d = 0; d < nd; ++d) {
    if (!reduced[size_t(d)])
      shape.push_back(xs[size_t(d)]), groups *= xs[size_t(d)];
    else if (keepdim)
      shape.push_back(1);
  }
  std::vector<std::vector<double>> members(static_cast<size_t>(groups));
  std::vector<double> v = x.detach().to(DType::F64).to_vector<double>();
  for (int64_t i = 0; i < int64_t(v.size()); ++i) {
    int64_t rem = i, key = 0, scale = 1;
    for (int64_t d = nd - 1; d >= 0; --d) {
      int64_t at = rem % xs[size_t(d)];
      rem /= xs[size_t(d)];
      if (!reduced[size_t(d)]) key += at * scale, scale *= xs[size_t(d)];
    }
    members[size_t(key)].push_back(v[size_t(i)]);
  }
  std::vector<double> out;
  for (const auto& m : members) out.push_back(fn(m));
  return from_vector(out, shape, DType::F64);
}

double ref_max(const std::vector<double>& v) {
  return *std::max_element(v.begin(), v.end());
}
double ref_min(const std::vector<double>& v) {
  return *std::min_element(v.begin(), v.end());
}
double ref_argmax(const std::vector<double>& v) {
  return double(std::max_element(v.begin(), v.end()) - v.begin());
}
double ref_argmin(const std::vector<double>& v) {
  return double(std::min_element(v.begin(), v.end()) - v.begin());
}
GroupFn ref_var(double correction, bool root) {
  return [=](const std::vector<double>& v) {
    double mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()), sq = 0;
    for (double x : v) sq += (x - mean) * (x - mean);
    double var = sq / std::max(0.0, double(v.size()) - correction);
    return root ? std::sqrt(var) : var;
  };
}

struct ReduceCase {
  const char* name;
  std::function<Tensor(const Tensor&, const Dims&, bool)> op;
  GroupFn ref;
};

std::vector<ReduceCase> value_cases() {
  return {
      {"max", [](auto& x, auto& d, bool k) { return max(x, d, k); }, ref_max},
      {"min", [](auto& x, auto& d, bool k) { return min(x, d, k); }, ref_min},
      {"var", [](auto& x, auto& d, bool k) { return var(x, d, k); }, ref_var(1, false)},
      {"std", [](auto& x, auto& d, bool k) { return tessel::std(x, d, k); }, ref_var(1, true)},
      {"var_population", [](auto& x, auto& d, bool k) { return var(x, d, k, 0); },
       ref_var(0, false)},
      {"std_correction2", [](auto& x, auto& d, bool k) { return tessel::std(x, d, k, 2); },
       ref_var(2, true)},
      {"sum", [](auto& x, auto& d, bool k) { return sum(x, d, k); },
       [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }},
  };
}

// fn(case, dims, keepdim) over every value case, set of dims and keepdim, traced.
template <typename Fn>
void for_each_reduction(const Fn& fn) {
  const std::vector<Dims> dim_sets = {{1}, {-1}, {0, 2}, {2, 0}, {}};
  for (const auto& c : value_cases())
    for (const Dims& dims : dim_sets)
      for (bool keepdim : {false, true}) {
        SCOPED_TRACE(std::string(c.name) + " dims " + shape_str(dims) +
                     (keepdim ? " keepdim" : ""));
        fn(c, dims, keepdim);
      }
}

// Values 0..254 permuted, over 16: distinct and exact even in bf16, so no rounding creates a tie
// that moves an arg-extremum between dtypes.
Tensor distinct_input(const Shape& shape) {
  std::vector<double> v(size_t(shape_numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = double(int64_t(i * 97 % 255) - 127) / 16;
  return from_vector(v, shape, DType::F64).requires_grad_();
}

}  // namespace

TEST(Reduce, ValuesMatchReference) {
  Tensor x = randn_input({3, 4, 5}, 1);
  for_each_reduction([&](const ReduceCase& c, const Dims& dims, bool keepdim) {
    Tensor ref = reference(x, dims, keepdim, c.ref);
    EXPECT_ALL_CLOSE(c.op(x, dims, keepdim), ref, 1e-12, 1e-12);
    EXPECT_ALL_CLOSE(c.op(x.detach().to(DType::F32), dims, keepdim), ref, 1e-5, 1e-5);
  });
}

// Dims reduced on both sides of the kept ones of a contiguous input are read where they lie
// (kernels/reduce.h's interleaved rows) once the trailing run reaches 32 elements, and
// transposed otherwise; a view goes through the copy either way.
TEST(Reduce, AroundKeptDimsMatchesReference) {
  Tensor x = randn_input({3, 4, 5, 7}, 11);
  for (const auto& c : value_cases())
    for (const Dims& dims : {Dims{0, 2, 3}, Dims{0, 3}, Dims{0, 1, 3}}) {
      SCOPED_TRACE(std::string(c.name) + " dims " + shape_str(dims));
      EXPECT_ALL_CLOSE(c.op(x, dims, false), reference(x, dims, false, c.ref), 1e-12, 1e-12);
      Tensor view = x.transpose(1, 2);
      EXPECT_ALL_CLOSE(c.op(view, dims, true), reference(view, dims, true, c.ref), 1e-12, 1e-12);
    }
  expect_gradcheck([](const std::vector<Tensor>& in) { return sum(in[0], {0, 2, 3}); }, {x});
}

// Long rows are summed in fixed pieces (kernels/cpu/reduce.cpp) so a whole-tensor sum uses every
// thread; the pieces are added in order, so the bits do not depend on how many threads ran.
TEST(Reduce, LongRowsGiveTheSameBitsOnAnyThreadCount) {
  Tensor x = randn_input({3, 200003}, 12, DType::F32, false) + 3.0;
  auto run = [&](int threads) {
    const int before = omp_get_max_threads();
    omp_set_num_threads(threads);
    std::vector<float> v = sum(x).to_vector<float>();
    for (const Tensor& t : {sum(x, {1}), var(x, {1}), mean(x, {0, 1})})
      for (float f : t.to_vector<float>()) v.push_back(f);
    omp_set_num_threads(before);
    return v;
  };
  std::vector<float> one = run(1);
  EXPECT_EQ(run(2), one);
  EXPECT_EQ(run(3), one);
  Tensor ref = reference(x.to(DType::F64), {1}, false, ref_var(1, false));
  EXPECT_NEAR(one[4], ref.to_vector<double>()[0], 1e-6);
}

TEST(Reduce, ArgmaxArgminMatchReference) {
  Tensor x = randn_input({3, 4, 5}, 2, DType::F64, false);
  for (std::optional<int64_t> dim : {std::optional<int64_t>(0), std::optional<int64_t>(-1),
                                     std::optional<int64_t>(1), std::optional<int64_t>()})
    for (bool keepdim : {false, true}) {
      Dims dims = dim ? Dims{*dim} : Dims{};
      Tensor mx = argmax(x, dim, keepdim), mn = argmin(x, dim, keepdim);
      EXPECT_EQ(mx.dtype(), DType::I64);
      EXPECT_ALL_CLOSE(mx, reference(x, dims, keepdim, ref_argmax), 0, 0);
      EXPECT_ALL_CLOSE(mn, reference(x, dims, keepdim, ref_argmin), 0, 0);
    }
  EXPECT_EQ(argmax(x, std::nullopt, true).sizes(), (Shape{1, 1, 1}));
  Tensor ints = from_vector<int32_t>({3, 9, 9, -2, 7, 0}, {2, 3}, DType::I32);
  EXPECT_EQ(max(ints, {1}).to_vector<int32_t>(), (std::vector<int32_t>{9, 7}));
  EXPECT_EQ(argmax(ints, 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(argmin(ints).item<int64_t>(), 3);
}

TEST(Reduce, TiesGoToFirstAndNanPropagates) {
  Tensor x = from_vector<double>({1, 3, 3, 2}, {4}, DType::F64).requires_grad_();
  Tensor m = max(x);
  EXPECT_EQ(m.item(), 3);
  EXPECT_EQ(argmax(x).item<int64_t>(), 1);
  m.backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 1, 0, 0}));
  Tensor n = from_vector<double>({1, NAN, 5, NAN}, {4}, DType::F64);
  EXPECT_TRUE(std::isnan(max(n).item()));
  EXPECT_TRUE(std::isnan(min(n).item()));
  EXPECT_EQ(argmax(n).item<int64_t>(), 1);
  EXPECT_EQ(argmin(n).item<int64_t>(), 1);
}

TEST(Reduce, VarIsStableForLargeMeans) {
  // In f32, sum of squares minus squared sum loses everything at this offset. The CPU accumulates
  // in double anyway; MatchesCpu_CUDA puts the f32 CUDA kernel through the same input.
  Tensor x = randn_input({4, 1000}, 3, DType::F64, false);
  Tensor shifted = (x + 1e4).to(DType::F32).to(DType::F64);
  Tensor ref = reference(shifted, {1}, false, ref_var(1, false));
  EXPECT_ALL_CLOSE(var(shifted.to(DType::F32), {1}), ref, 1e-5, 1e-5);
}

TEST(Reduce, Gradcheck) {
  for_each_reduction([](const ReduceCase& c, const Dims& dims, bool keepdim) {
    expect_gradcheck([&](const std::vector<Tensor>& in) { return c.op(in[0], dims, keepdim); },
                     {randn_input({3, 4, 5}, 4)});
  });
}

TEST(Reduce, StdOfConstantHasZeroGradient) {
  Tensor x = full({2, 3}, 1.5, {DType::F64}).requires_grad_();
  sum(tessel::std(x, {1})).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), std::vector<double>(6, 0.0));
}

TEST(Reduce, ErrorsNameOpAndArgument) {
  auto message = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  Tensor x = ones({2, 3});
  EXPECT_NE(
      message([&] { max(x, {2}); }).find("max: dim 2 is out of range for input of shape [2, 3]"),
      std::string::npos);
  EXPECT_NE(message([&] { var(x, {1, -1}); }).find("var: dim -1 given twice"), std::string::npos);
  EXPECT_NE(message([&] { argmax(x, -3); }).find("argmax: dim -3"), std::string::npos);
  EXPECT_NE(message([&] {
              min(ones({2, 0}), {1});
            }).find("min: cannot reduce over an empty dim"),
            std::string::npos);
  EXPECT_NE(message([&] { tessel::std(x, {}, false, -1); }).find("std: correction -1 is negative"),
            std::string::npos);
  EXPECT_NE(message([&] { var(ones({2}, {DType::I32})); }).find("var"), std::string::npos);
}

TEST(Reduce, MatchesCpu_CUDA) {
  Tensor x = distinct_input({3, 17, 5});  // odd sizes, rows shorter and longer than a warp
  for_each_reduction([&](const ReduceCase& c, const Dims& dims, bool keepdim) {
    for (DType t : {DType::F32, DType::F16, DType::BF16})
      expect_cuda_matches_cpu(
          [&](const std::vector<Tensor>& in) { return c.op(in[0], dims, keepdim); }, {x}, t);
  });
  for (DType t : {DType::F32, DType::F16, DType::BF16})
    for (std::optional<int64_t> dim : {std::optional<int64_t>(1), std::optional<int64_t>()}) {
      expect_cuda_matches_cpu([&](const std::vector<Tensor>& in) { return argmax(in[0], dim); },
                              {x}, t, 0);
      expect_cuda_matches_cpu([&](const std::vector<Tensor>& in) { return argmin(in[0], dim); },
                              {x}, t, 0);
    }
  // Long rows cut into pieces (kernels/reduce.h's reduce_split), contiguous and interleaved
  // around the kept dim, as a bias gradient reads them.
  Tensor big = randn_input({4, 6, 33, 37}, 6);
  for (const Dims& dims : {Dims{}, Dims{0, 2, 3}, Dims{1, 2, 3}})
    for (const auto& c : value_cases()) {
      SCOPED_TRACE(std::string(c.name) + " dims " + shape_str(dims));
      expect_cuda_matches_cpu(
          [&](const std::vector<Tensor>& in) { return c.op(in[0], dims, false); }, {big},
          DType::F32);
    }
  Tensor shifted =
      (randn_input({3, 1001}, 5, DType::F64, false) + 1e3).to(DType::F32).to(DType::F64);
  expect_cuda_matches_cpu([](const std::vector<Tensor>& in) { return var(in[0], {1}); }, {shifted},
                          DType::F32);
}
