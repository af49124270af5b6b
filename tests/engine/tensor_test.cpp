#include <gtest/gtest.h>

#include "tests/engine/iota.h"
#include "tests/op_harness.h"

#include <cmath>

#include "engine/ops.h"

using namespace tessel;
using namespace tessel::testing;

TEST(Tensor, Factories) {
  Tensor e = empty({2, 3}, {DType::I32});
  EXPECT_EQ(e.sizes(), (Shape{2, 3}));
  EXPECT_EQ(e.strides(), (Shape{3, 1}));
  EXPECT_EQ(e.dtype(), DType::I32);
  EXPECT_EQ(e.numel(), 6);
  EXPECT_EQ(zeros({2}).to_vector<float>(), (std::vector<float>{0, 0}));
  EXPECT_EQ(ones({2}, DType::F64).to_vector<double>(), (V{1, 1}));
  EXPECT_EQ(full({3}, 2.5).to_vector<double>(), (V{2.5, 2.5, 2.5}));
  EXPECT_EQ(arange(0, 4).to_vector<double>(), (V{0, 1, 2, 3}));
  EXPECT_EQ(arange(1, 2, 0.25, DType::F64).to_vector<double>(), (V{1, 1.25, 1.5, 1.75}));
  EXPECT_EQ(arange(3, 0, -1, DType::I64).to_vector<int64_t>(), (std::vector<int64_t>{3, 2, 1}));
  EXPECT_EQ(linspace(0, 1, 5, DType::F64).to_vector<double>(), (V{0, 0.25, 0.5, 0.75, 1}));
  EXPECT_EQ(linspace(2, 3, 1, DType::F64).to_vector<double>(), (V{2}));
  EXPECT_EQ(from_vector<int32_t>({1, 2, 3, 4}, {2, 2}, DType::F32).to_vector<float>(),
            (std::vector<float>{1, 2, 3, 4}));
  Tensor s = scalar_tensor(7, DType::I64);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<int64_t>(), 7);
  EXPECT_ERROR(arange(0, 3, -1), "arange: start 0, end 3 and step -1 do not agree in sign");
  EXPECT_ERROR(empty({2, -1}), "empty: negative size in shape [2, -1]");
  EXPECT_ERROR(from_vector<float>({1, 2, 3}, {2, 2}), "from_vector: 3 values for shape [2, 2]");
}

// Known encodings, and ties rounded to the even neighbour.
TEST(Tensor, HalfAndBFloat16RoundTrip) {
  EXPECT_EQ(Half(1.0f).bits, 0x3c00);
  EXPECT_EQ(Half(-2.0f).bits, 0xc000);
  EXPECT_EQ(Half(65504.0f).bits, 0x7bff);
  EXPECT_EQ(BFloat16(1.0f).bits, 0x3f80);
  EXPECT_EQ(BFloat16(-2.0f).bits, 0xc000);
  float sub = 5.9604644775390625e-8f;  // 2^-24, the smallest f16 subnormal
  std::vector<float> in = {1.0f / 3, 2049, 2051, 65504, 70000, sub, sub / 2, sub * 1.5f};
  std::vector<float> f16 = from_vector(in, {8}).to(DType::F16).to_vector<float>();
  std::vector<float> want = {0.333251953125f, 2048, 2052, 65504, INFINITY, sub, 0, 2 * sub};
  EXPECT_EQ(f16, want);
  std::vector<float> b_in = {257, 259, 1.0f + 1.0f / 256, 3.140625f};
  std::vector<float> bf16 = from_vector(b_in, {4}).to(DType::BF16).to_vector<float>();
  EXPECT_EQ(bf16, (std::vector<float>{256, 260, 1, 3.140625f}));
}

TEST(Tensor, ReadbackAndPrinting) {
  Tensor x = from_vector<float>({1.5f, -2}, {1, 2});
  EXPECT_EQ(x.select(1, 0).item(), 1.5);
  EXPECT_ERROR(x.item(), "item: tensor has 2 elements (shape [1, 2]), expected exactly 1");
  EXPECT_EQ(x.to_vector<int32_t>(), (std::vector<int32_t>{1, -2}));
  std::string s = x.str();
  EXPECT_NE(s.find("shape=[1, 2], dtype=f32, device=cpu"), std::string::npos) << s;
  EXPECT_NE(s.find("[1.5, -2]"), std::string::npos) << s;
  EXPECT_EQ(Tensor().str(), "Tensor(undefined)");
  EXPECT_ERROR(Tensor().dim(), "use of an undefined Tensor");
  EXPECT_ERROR(x.data<double>(), "Tensor::data: tensor has dtype f32, asked for f64");
}
