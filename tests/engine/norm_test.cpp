#include "tests/fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

// (x - mean) / sqrt(var + eps) over `dims`, built from other ops: the naive reference.
Tensor normalized(const Tensor& x, const Dims& dims, double eps) {
  Tensor c = x - mean(x, dims, true);
  return c / sqrt(mean(c * c, dims, true) + eps);
}

Tensor positive(const Shape& shape, uint64_t seed) {
  Generator g(seed);
  return rand(shape, {DType::F64}, &g) + 0.5;
}

}  // namespace

TEST(Norm, BatchNormTrainingMatchesNaive) {
  Tensor x = randn_input({3, 4, 5, 2}, 1, DType::F64, false) * 2.0 + 1.0;
  Tensor w = randn_input({4}, 2, DType::F64, false), b = randn_input({4}, 3, DType::F64, false);
  Tensor rm = zeros({4}, DType::F64), rv = ones({4}, DType::F64);
  Tensor y = batch_norm(x, rm, rv, w, b, true, 0.25, 1e-5);
  EXPECT_ALL_CLOSE(
      y, normalized(x, {0, 2, 3}, 1e-5) * w.reshape({1, 4, 1, 1}) + b.reshape({1, 4, 1, 1}), 1e-12,
      1e-12);
  // Running stats move a quarter of the way to the batch mean and the *unbiased* variance.
  Tensor m = mean(x, {0, 2, 3});
  Tensor c = x - m.reshape({1, 4, 1, 1});
  Tensor unbiased = sum(c * c, {0, 2, 3}) / 29.0;
  EXPECT_ALL_CLOSE(rm, m * 0.25, 1e-12, 1e-12);
  EXPECT_ALL_CLOSE(rv, unbiased * 0.25 + 0.75, 1e-12, 1e-12);
  // f32 goes through the same kernels.
  Tensor rm32 = zeros({4}), rv32 = ones({4});
  Tensor y32 =
      batch_norm(x.to(DType::F32), rm32, rv32, w.to(DType::F32), b.to(DType::F32), true, 0.25);
  EXPECT_ALL_CLOSE(y32, y, 1e-5, 1e-5);
  EXPECT_ALL_CLOSE(rv32, rv, 1e-5, 1e-6);
}

TEST(Norm, BatchNormEvalUsesRunningStats) {
  Tensor x = randn_input({2, 3, 4}, 4, DType::F64, false);
  Tensor rm = randn_input({3}, 5, DType::F64, false), rv = positive({3}, 6);
  std::vector<double> before = rm.to_vector<double>();
  Tensor y = batch_norm(x, rm, rv, Tensor(), Tensor(), false, 0.1, 1e-3);
  EXPECT_ALL_CLOSE(y, (x - rm.reshape({1, 3, 1})) / sqrt(rv.reshape({1, 3, 1}) + 1e-3), 1e-12,
                   1e-12);
  EXPECT_EQ(rm.to_vector<double>(), before);  // eval never updates the running stats
}

TEST(Norm, GroupAndLayerNormMatchNaive) {
  Tensor x = randn_input({2, 6, 3, 5}, 7, DType::F64, false);
  Tensor w = randn_input({6}, 8, DType::F64, false), b = randn_input({6}, 9, DType::F64, false);
  Tensor ref = normalized(x.reshape({2, 3, -1}), {2}, 1e-5).reshape({2, 6, 3, 5});
  EXPECT_ALL_CLOSE(group_norm(x, 3, w, b), ref * w.reshape({1, 6, 1, 1}) + b.reshape({1, 6, 1, 1}),
                   1e-12, 1e-12);
  EXPECT_ALL_CLOSE(group_norm(x, 3), ref, 1e-12, 1e-12);
  Tensor lw = randn_input({3, 5}, 10, DType::F64, false);
  EXPECT_ALL_CLOSE(layer_norm(x, {3, 5}, lw), normalized(x, {2, 3}, 1e-5) * lw, 1e-12, 1e-12);
  EXPECT_ALL_CLOSE(layer_norm(x, {6, 3, 5}), normalized(x, {1, 2, 3}, 1e-5), 1e-12, 1e-12);
}

TEST(Norm, MatchesTorch) {
  auto f = load_fixture("norm.txt");
  auto check = [&](const std::string& n,
                   const std::function<Tensor(const Tensor&, const Tensor&, const Tensor&)>& op) {
    SCOPED_TRACE(n);
    Tensor x = f.at(n + ".x").requires_grad_(), w = f.at(n + ".w").requires_grad_(),
           b = f.at(n + ".b").requires_grad_();
    Tensor out = op(x, w, b);
    EXPECT_ALL_CLOSE(out, f.at(n + ".out"), 1e-10, 1e-12);
    sum(out * f.at(n + ".g")).backward();
    EXPECT_ALL_CLOSE(x.grad(), f.at(n + ".gx"), 1e-10, 1e-12);
    EXPECT_ALL_CLOSE(w.grad(), f.at(n + ".gw"), 1e-10, 1e-12);
    EXPECT_ALL_CLOSE(b.grad(), f.at(n + ".gb"), 1e-10, 1e-12);
  };
  for (bool training : {true, false}) {
    std::string n = training ? "bn_train" : "bn_eval";
    Tensor rm = f.at(n + ".rm"), rv = f.at(n + ".rv");
    check(n, [&](auto& x, auto& w, auto& b) {
      return batch_norm(x, rm, rv, w, b, training, 0.2, 1e-5);
    });
    EXPECT_ALL_CLOSE(rm, f.at(n + ".rm_new"), 1e-12, 1e-12);
    EXPECT_ALL_CLOSE(rv, f.at(n + ".rv_new"), 1e-12, 1e-12);
  }
  check("gn", [](auto& x, auto& w, auto& b) { return group_norm(x, 3, w, b); });
  check("ln", [](auto& x, auto& w, auto& b) { return layer_norm(x, {4, 5}, w, b); });
}

TEST(Norm, Gradcheck) {
  Tensor x = randn_input({3, 4, 2, 3}, 11), w = randn_input({4}, 12), b = randn_input({4}, 13);
  Tensor rm = randn_input({4}, 14, DType::F64, false), rv = positive({4}, 15);
  expect_gradcheck(
      [](auto& in) { return batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true); },
      {x, w, b});
  expect_gradcheck([&](auto& in) { return batch_norm(in[0], rm, rv, in[1], in[2], false); },
                   {x, w, b});
  expect_gradcheck(
      [](auto& in) { return batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true); },
      {randn_input({5, 3}, 16)});
  expect_gradcheck([](auto& in) { return group_norm(in[0], 2, in[1], in[2]); }, {x, w, b});
  expect_gradcheck([](auto& in) { return group_norm(in[0], 4, Tensor(), in[1]); }, {x, b});
  Tensor lw = randn_input({2, 3}, 17), lb = randn_input({2, 3}, 18);
  expect_gradcheck([](auto& in) { return layer_norm(in[0], {2, 3}, in[1], in[2]); }, {x, lw, lb});
  expect_gradcheck([](auto& in) { return layer_norm(in[0], {3}, in[1]); },
                   {x, randn_input({3}, 19)});
}

TEST(Norm, Errors) {
  Tensor x = zeros({2, 4, 3});
  EXPECT_ERROR(batch_norm(x, zeros({3}), ones({4}), {}, {}, false),
               "'running_mean' must have shape [4], got [3]");
  EXPECT_ERROR(batch_norm(x, {}, {}, {}, {}, false), "eval mode");
  EXPECT_ERROR(batch_norm(zeros({1, 4}), {}, {}, {}, {}, true), "more than 1 value");
  EXPECT_ERROR(group_norm(x, 3), "'groups' (3)");
  EXPECT_ERROR(group_norm(x, 2, ones({2})), "'weight' must have shape [4]");
  EXPECT_ERROR(layer_norm(x, {4}), "'normalized_shape' [4]");
  EXPECT_ERROR(layer_norm(zeros({2, 3}, DType::I64), {3}), "layer_norm");
}

TEST(Norm, MatchesCpu_CUDA) {
  Tensor x = randn_input({3, 5, 7, 9}, 20), w = randn_input({5}, 21), b = randn_input({5}, 22);
  Tensor rm = randn_input({5}, 23, DType::F64, false), rv = positive({5}, 24);
  Tensor lw = randn_input({7, 9}, 25), lb = randn_input({7, 9}, 26);
  std::vector<std::pair<OpFn, std::vector<Tensor>>> cases = {
      {[](auto& in) { return batch_norm(in[0], in[3], in[4], in[1], in[2], true); },
       {x, w, b, rm, rv}},
      {[](auto& in) { return batch_norm(in[0], in[3], in[4], in[1], in[2], false); },
       {x, w, b, rm, rv}},
      {[](auto& in) { return group_norm(in[0], 5, in[1], in[2]); }, {x, w, b}},
      {[](auto& in) {
         return layer_norm(in[0], {7, 9}, in[1], in[2]);
       },
       {x, lw, lb}},
  };
  for (size_t i = 0; i < cases.size(); ++i)
    for (DType t : {DType::F32, DType::F16, DType::BF16}) {
      SCOPED_TRACE(i);
      expect_cuda_matches_cpu(cases[i].first, cases[i].second, t);
    }
  // Channels long enough to be cut into pieces (kernels/norm.h's norm_split), forward and
  // backward.
  Tensor big = randn_input({4, 3, 61, 67}, 27);
  for (DType t : {DType::F32, DType::BF16})
    expect_cuda_matches_cpu(
        [](auto& in) { return batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true); },
        {big, randn_input({3}, 28), randn_input({3}, 29)}, t);
  // Running stats updated on the device match the CPU's.
  Tensor rm_gpu = rm.to(cuda_device(0)), rv_gpu = rv.to(cuda_device(0)), rm_cpu = rm.clone(),
         rv_cpu = rv.clone();
  batch_norm(x.detach().to(cuda_device(0)), rm_gpu, rv_gpu, {}, {}, true);
  batch_norm(x.detach(), rm_cpu, rv_cpu, {}, {}, true);
  EXPECT_ALL_CLOSE(rm_gpu.to(kCPU), rm_cpu, 1e-10, 1e-12);
  EXPECT_ALL_CLOSE(rv_gpu.to(kCPU), rv_cpu, 1e-10, 1e-12);
}
