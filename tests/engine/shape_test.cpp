#include <cmath>  // before op_harness.h, which uses std::isnan

#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {
Tensor iota(const Shape& shape, double start = 0) {
  return arange(start, start + double(shape_numel(shape)), 1, DType::F64).reshape(shape);
}
}  // namespace

TEST(Shape, CatForward) {
  Tensor a = iota({2, 1}), b = iota({2, 2}, 10);
  Tensor c = cat({a, b, a}, 1);
  EXPECT_EQ(c.sizes(), (Shape{2, 4}));
  EXPECT_EQ(c.to_vector<double>(), (std::vector<double>{0, 10, 11, 0, 1, 12, 13, 1}));
  EXPECT_EQ(cat({a, b}, -1).sizes(), (Shape{2, 3}));
  // A non-contiguous input and a promoted one: i32 joins f64 as f64.
  Tensor t = iota({2, 3}).transpose(0, 1);  // [[0, 3], [1, 4], [2, 5]]
  Tensor i = from_vector<int32_t>({7, 8}, {1, 2}, DType::I32);
  Tensor d = cat({t, i}, 0);
  EXPECT_EQ(d.dtype(), DType::F64);
  EXPECT_EQ(d.to_vector<double>(), (std::vector<double>{0, 3, 1, 4, 2, 5, 7, 8}));
}

TEST(Shape, CatAndStackGradcheck) {
  Tensor a = randn_input({2, 3, 2}, 1), b = randn_input({2, 1, 2}, 2);
  expect_gradcheck(
      [](const std::vector<Tensor>& in) {
        return cat({in[0], in[1], in[0]}, 1);
      },
      {a, b});
  Tensor c = randn_input({2, 3, 2}, 3);
  expect_gradcheck([](const std::vector<Tensor>& in) { return stack({in[0], in[1]}, -1); }, {a, c});
}

TEST(Shape, CatGradientSkipsInputsWithoutGrad) {
  Tensor a = ones({2}, DType::F64).requires_grad_(), b = ones({3}, DType::F64);
  sum(cat({b, a}) * arange(0, 5, 1, DType::F64)).backward();
  EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{3, 4}));
  EXPECT_FALSE(b.grad().defined());
}

TEST(Shape, StackForward) {
  Tensor a = iota({2, 2}), b = iota({2, 2}, 4);
  Tensor s0 = stack({a, b}), s2 = stack({a, b}, 2);
  EXPECT_EQ(s0.sizes(), (Shape{2, 2, 2}));
  EXPECT_EQ(s0.to_vector<double>(), (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(s2.to_vector<double>(), (std::vector<double>{0, 4, 1, 5, 2, 6, 3, 7}));
  EXPECT_EQ(stack({a, b}, -1).to_vector<double>(), s2.to_vector<double>());
}

TEST(Shape, SplitAndChunkAreViews) {
  Tensor x = iota({7, 2});
  auto parts = split(x, 3);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].sizes(), (Shape{3, 2}));
  EXPECT_EQ(parts[2].sizes(), (Shape{1, 2}));
  EXPECT_EQ(parts[2].to_vector<double>(), (std::vector<double>{12, 13}));
  for (const Tensor& p : parts) EXPECT_EQ(p.storage(), x.storage());
  auto cols = split_with_sizes(x, {1, 1}, 1);
  EXPECT_EQ(cols[1].to_vector<double>(), (std::vector<double>{1, 3, 5, 7, 9, 11, 13}));
  auto chunks = chunk(x, 3);  // 7 rows: 3, 3, 1
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[1].sizes(), (Shape{3, 2}));
  EXPECT_EQ(chunks[1].to_vector<double>()[0], 6);
  EXPECT_EQ(chunk(iota({4}), 4).size(), 4u);
  Tensor y = randn_input({5, 3}, 4);
  expect_gradcheck([](const std::vector<Tensor>& in) { return split(in[0], 2, 0)[1] * 3.0; }, {y});
}

TEST(Shape, Errors) {
  EXPECT_ERROR(cat({zeros({2, 3}), zeros({2, 4})}, 0),
               "cat: tensor 1 has shape [2, 4], tensor 0 has [2, 3]");
  EXPECT_ERROR(cat({zeros({2}), zeros({2})}, 1), "dimension 1 is out of range");
  EXPECT_ERROR(cat({}, 0), "cat: expected a non-empty list");
  EXPECT_ERROR(stack({zeros({2}), zeros({3})}), "stack: tensor 1 has shape [3]");
  EXPECT_ERROR(split_with_sizes(zeros({5}), {2, 2}),
               "split_with_sizes: sizes add up to 4 but dim 0 has size 5");
  EXPECT_ERROR(chunk(zeros({5}), 0), "chunk: number of chunks must be positive, got 0");
}

TEST(Shape, MatchesCpu_CUDA) {
  for (DType t : {DType::F32, DType::F16, DType::BF16}) {
    expect_cuda_matches_cpu(
        [](const std::vector<Tensor>& in) {
          return cat({in[0], in[1].transpose(0, 1)}, 1);
        },
        {randn_input({33, 5}, 5), randn_input({3, 33}, 6)}, t);
    expect_cuda_matches_cpu(
        [](const std::vector<Tensor>& in) {
          return stack({in[0], in[1]}, 1);
        },
        {randn_input({7, 9}, 7), randn_input({7, 9}, 8)}, t);
  }
}
