#include <cmath>

#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

// out[i] = a[i] @ b[i] by three loops, after broadcasting both to the batch shape `batch`.
Tensor naive_matmul(const Tensor& a, const Tensor& b, Shape batch) {
  int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  Shape sa = batch, sb = batch, so = batch;
  sa.insert(sa.end(), {m, k});
  sb.insert(sb.end(), {k, n});
  so.insert(so.end(), {m, n});
  std::vector<double> av = a.detach().expand(sa).contiguous().to_vector<double>();
  std::vector<double> bv = b.detach().expand(sb).contiguous().to_vector<double>();
  std::vector<double> out(size_t(shape_numel(so)), 0.0);
  for (int64_t i = 0; i < shape_numel(batch); ++i)
    for (int64_t r = 0; r < m; ++r)
      for (int64_t c = 0; c < n; ++c)
        for (int64_t j = 0; j < k; ++j)
          out[size_t((i * m + r) * n + c)] +=
              av[size_t((i * m + r) * k + j)] * bv[size_t((i * k + j) * n + c)];
  return from_vector(out, so, DType::F64);
}

struct MatmulCase {
  Shape a, b, batch;
};
std::vector<MatmulCase> matmul_cases() {
  return {{{3, 4}, {4, 5}, {}},
          {{2, 3, 4}, {2, 4, 5}, {2}},
          {{2, 1, 3, 4}, {3, 4, 2}, {2, 3}},  // both broadcast
          {{3, 4}, {2, 4, 5}, {2}},           // left broadcast over the batch
          {{2, 3, 4}, {4, 5}, {2}}};          // folded into one GEMM
}

double gemm_tolerance(DType t) {  // products of k terms carry k roundings of 16-bit inputs
  return t == DType::F32 ? 1e-4 : (t == DType::F16 ? 2e-2 : 1e-1);
}

}  // namespace

TEST(Matmul, ForwardMatchesNaive) {
  for (const auto& c : matmul_cases()) {
    SCOPED_TRACE(shape_str(c.a) + " @ " + shape_str(c.b));
    Tensor a = randn_input(c.a, 1, DType::F64, false), b = randn_input(c.b, 2, DType::F64, false);
    Tensor ref = naive_matmul(a, b, c.batch);
    EXPECT_ALL_CLOSE(matmul(a, b), ref, 1e-12, 1e-12);
    EXPECT_ALL_CLOSE(matmul(a.to(DType::F32), b.to(DType::F32)), ref, 1e-5, 1e-5);
  }
}

TEST(Matmul, TransposedAndStridedViews) {
  // Transposed storage goes to GEMM as it is; a column stride of 2 needs a copy first.
  Tensor at = randn_input({4, 3}, 3, DType::F64, false).transpose(0, 1);
  Tensor bs = randn_input({5, 8}, 4, DType::F64, false).slice(1, 0, 8, 2).transpose(0, 1);
  Tensor bt = bs.transpose(0, 1).contiguous().transpose(0, 1);
  Tensor ref = naive_matmul(at, bs.contiguous(), {});
  EXPECT_ALL_CLOSE(matmul(at, bt), ref, 1e-12, 1e-12);
  EXPECT_ALL_CLOSE(matmul(at, bs), ref, 1e-12, 1e-12);
}

TEST(Matmul, VectorOperands) {
  Tensor v = randn_input({4}, 5, DType::F64, false), w = randn_input({4}, 6, DType::F64, false);
  Tensor m = randn_input({4, 3}, 7, DType::F64, false),
         bm = randn_input({2, 4, 3}, 8, DType::F64, false);
  EXPECT_EQ(matmul(v, w).dim(), 0);
  EXPECT_ALL_CLOSE(matmul(v, w), naive_matmul(v.reshape({1, 4}), w.reshape({4, 1}), {}).reshape({}),
                   1e-12, 1e-12);
  EXPECT_ALL_CLOSE(matmul(v, m), naive_matmul(v.reshape({1, 4}), m, {}).reshape({3}), 1e-12, 1e-12);
  EXPECT_ALL_CLOSE(matmul(m.transpose(0, 1), v),
                   naive_matmul(m.transpose(0, 1), v.reshape({4, 1}), {}).reshape({3}), 1e-12,
                   1e-12);
  EXPECT_ALL_CLOSE(matmul(v, bm), naive_matmul(v.reshape({1, 4}), bm, {2}).reshape({2, 3}), 1e-12,
                   1e-12);
}

TEST(Matmul, Gradcheck) {
  for (const auto& c : matmul_cases()) {
    SCOPED_TRACE(shape_str(c.a) + " @ " + shape_str(c.b));
    expect_gradcheck([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); },
                     {randn_input(c.a, 9), randn_input(c.b, 10)});
  }
  // Transposed operands and vectors go through the same node.
  expect_gradcheck(
      [](const std::vector<Tensor>& in) { return matmul(in[0].transpose(0, 1), in[1]); },
      {randn_input({4, 3}, 11), randn_input({4, 2}, 12)});
  expect_gradcheck([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); },
                   {randn_input({4}, 13), randn_input({2, 4, 3}, 14)});
}

TEST(Matmul, Bmm) {
  Tensor a = randn_input({3, 2, 4}, 15), b = randn_input({3, 4, 5}, 16);
  EXPECT_ALL_CLOSE(bmm(a, b), naive_matmul(a, b, {3}), 1e-12, 1e-12);
  expect_gradcheck([](const std::vector<Tensor>& in) { return bmm(in[0], in[1]); }, {a, b});
}

TEST(Matmul, Linear) {
  Tensor x = randn_input({2, 3, 4}, 17), w = randn_input({5, 4}, 18), b = randn_input({5}, 19);
  Tensor ref = naive_matmul(x.reshape({6, 4}), w.transpose(0, 1), {}).reshape({2, 3, 5});
  EXPECT_ALL_CLOSE(linear(x, w), ref, 1e-12, 1e-12);
  EXPECT_ALL_CLOSE(linear(x, w, b), ref + b.detach(), 1e-12, 1e-12);
  expect_gradcheck([](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); },
                   {x, w, b});
  expect_gradcheck([](const std::vector<Tensor>& in) { return linear(in[0], in[1]); },
                   {randn_input({4}, 20), w});
}

TEST(Matmul, ErrorsNameShapes) {
  EXPECT_ERROR(matmul(ones({2, 3}), ones({4, 5})),
               "'self' of shape [2, 3] and 'other' of shape [4, 5] cannot be multiplied (3 != 4)");
  EXPECT_ERROR(matmul(ones({2, 3, 4}), ones({3, 4, 5})), "[2] and [3]");
  EXPECT_ERROR(matmul(ones({2, 3}), ones({3, 4}, DType::F64)), "dtype");
  EXPECT_ERROR(bmm(ones({2, 3, 4}), ones({3, 4, 5})), "batch sizes differ");
  EXPECT_ERROR(linear(ones({2, 3}), ones({5, 4})),
               "input of shape [2, 3] has 3 features but weight of shape [5, 4] expects 4");
  EXPECT_ERROR(linear(ones({2, 4}), ones({5, 4}), ones({4})), "bias has 4");
}

TEST(Matmul, MatchesCpu_CUDA) {
  std::vector<std::pair<Shape, Shape>> shapes = {
      {{17, 19}, {19, 23}}, {{2, 1, 13, 7}, {3, 7, 11}}, {{3, 17, 19}, {19, 5}}, {{19}, {19, 5}}};
  for (DType t : {DType::F32, DType::F16, DType::BF16}) {
    for (const auto& [sa, sb] : shapes)
      expect_cuda_matches_cpu([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); },
                              {randn_input(sa, 21), randn_input(sb, 22)}, t, gemm_tolerance(t));
    expect_cuda_matches_cpu(
        [](const std::vector<Tensor>& in) { return matmul(in[0].transpose(-1, -2), in[1]); },
        {randn_input({3, 9, 13}, 23), randn_input({3, 9, 7}, 24)}, t, gemm_tolerance(t));
    expect_cuda_matches_cpu([](const std::vector<Tensor>& in) { return bmm(in[0], in[1]); },
                            {randn_input({5, 13, 9}, 25), randn_input({5, 9, 3}, 26)}, t,
                            gemm_tolerance(t));
    expect_cuda_matches_cpu(
        [](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); },
        {randn_input({2, 7, 15}, 27), randn_input({9, 15}, 28), randn_input({9}, 29)}, t,
        gemm_tolerance(t));
  }
}
