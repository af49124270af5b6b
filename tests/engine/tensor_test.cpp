#include <gtest/gtest.h>

#include "tests/op_harness.h"

#include <cmath>

#include "engine/ops.h"

using namespace tessel;

namespace {
Tensor iota(const Shape& shape) {
  return arange(0, double(shape_numel(shape)), 1, DType::F64).reshape(shape);
}
using V = std::vector<double>;
}  // namespace

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

TEST(Tensor, DtypeConversion) {
  Tensor x = from_vector<double>({2.7, -2.7, 0, 1}, {4}, DType::F64);
  EXPECT_EQ(x.to(DType::I32).to_vector<int32_t>(), (std::vector<int32_t>{2, -2, 0, 1}));
  EXPECT_EQ(x.to(DType::Bool).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1, 0, 1}));
  EXPECT_EQ(x.to(DType::F64).storage(), x.storage());  // same dtype: no copy
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

TEST(Tensor, ViewAndReshapeShareStorage) {
  Tensor x = iota({2, 3, 4});
  Tensor v = x.view({6, -1});
  EXPECT_EQ(v.sizes(), (Shape{6, 4}));
  EXPECT_EQ(v.storage(), x.storage());
  EXPECT_EQ(x.reshape({4, 6}).storage(), x.storage());
  Tensor t = x.transpose(1, 2);  // [2, 4, 3], not contiguous
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.reshape({2, 2, 2, 3}).storage(), x.storage());  // splits dim 1 only: still a view
  Tensor flat = t.reshape({-1});                              // needs a copy
  EXPECT_NE(flat.storage(), x.storage());
  EXPECT_EQ(flat.to_vector<double>()[1], 4);
  EXPECT_ERROR(t.view({24}), "view: shape [24] is not compatible with the strides [12, 1, 4]");
  EXPECT_ERROR(x.view({5, -1}), "view: shape [5, -1] is invalid for input of shape [2, 3, 4]");
  EXPECT_ERROR(x.view({-1, -1}), "view: only one dimension can be -1");
  EXPECT_ERROR(x.reshape({7}), "reshape: shape [7] is invalid for input of shape [2, 3, 4]");
}

TEST(Tensor, PermuteTransposeFlatten) {
  Tensor x = iota({2, 3, 4});
  Tensor p = x.permute({2, 0, 1});
  EXPECT_EQ(p.sizes(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.strides(), (Shape{1, 12, 4}));
  EXPECT_EQ(p.contiguous().to_vector<double>()[1], 4);  // p[0][0][1] = x[0][1][0]
  EXPECT_EQ(x.transpose(0, -1).sizes(), (Shape{4, 3, 2}));
  EXPECT_EQ(x.flatten(1).sizes(), (Shape{2, 12}));
  EXPECT_EQ(x.flatten(0, 1).sizes(), (Shape{6, 4}));
  EXPECT_EQ(scalar_tensor(1).flatten().sizes(), (Shape{1}));
  EXPECT_ERROR(x.permute({0, 0, 1}), "permute: dim 0 repeated");
  EXPECT_ERROR(x.permute({0, 1}), "permute: got 2 dims for a tensor of 3 dims");
  EXPECT_ERROR(x.transpose(0, 3), "dimension 3 is out of range for a tensor of 3 dims");
}

TEST(Tensor, NarrowSliceSelect) {
  Tensor x = iota({10});
  Tensor s = x.slice(0, 1, 8, 3);
  EXPECT_EQ(s.to_vector<double>(), (V{1, 4, 7}));
  EXPECT_EQ(s.strides(), (Shape{3}));
  EXPECT_EQ(s.offset(), 1);
  EXPECT_EQ(s.storage(), x.storage());
  EXPECT_EQ(x.slice(0, -3, 100).to_vector<double>(), (V{7, 8, 9}));
  EXPECT_EQ(x.narrow(0, 2, 3).to_vector<double>(), (V{2, 3, 4}));
  Tensor m = iota({3, 4});
  EXPECT_EQ(m.select(1, -1).to_vector<double>(), (V{3, 7, 11}));
  EXPECT_EQ(m.select(0, 1).sizes(), (Shape{4}));
  EXPECT_ERROR(m.select(0, 3), "select: index 3 out of range for dim 0 of size 3");
  EXPECT_ERROR(x.narrow(0, 8, 3), "narrow: start 8 and length 3 exceed dim 0 of size 10");
  EXPECT_ERROR(x.slice(0, 0, 5, 0), "slice: step must be positive, got 0");
}

TEST(Tensor, ExpandSqueezeUnsqueeze) {
  Tensor x = iota({3, 1});
  Tensor e = x.expand({2, 3, 4});
  EXPECT_EQ(e.strides(), (Shape{0, 1, 0}));
  EXPECT_EQ(e.storage(), x.storage());
  EXPECT_EQ(e.contiguous().to_vector<double>()[4], 1);  // e[0][1][0]
  EXPECT_EQ(x.expand({-1, 5}).sizes(), (Shape{3, 5}));
  EXPECT_ERROR(x.expand({4, 1}), "expand: size 3 of dim 0 cannot expand to 4");
  EXPECT_EQ(x.squeeze().sizes(), (Shape{3}));
  EXPECT_EQ(x.squeeze(0).sizes(), (Shape{3, 1}));  // size 3: unchanged
  EXPECT_EQ(x.squeeze(-1).sizes(), (Shape{3}));
  EXPECT_EQ(x.unsqueeze(0).sizes(), (Shape{1, 3, 1}));
  EXPECT_EQ(x.unsqueeze(-1).sizes(), (Shape{3, 1, 1}));
  EXPECT_EQ(x.unsqueeze(1).storage(), x.storage());
  EXPECT_ERROR(x.unsqueeze(3), "unsqueeze: dim 3 out of range for 2 dims");
}

TEST(Tensor, ContiguousCloneCopyFill) {
  Tensor x = iota({2, 3});
  EXPECT_EQ(x.contiguous().impl(), x.impl());
  Tensor t = x.transpose(0, 1).contiguous();
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.to_vector<double>(), (V{0, 3, 1, 4, 2, 5}));
  Tensor c = x.clone();
  EXPECT_NE(c.storage(), x.storage());
  c.fill_(1);
  EXPECT_EQ(x.to_vector<double>()[0], 0);  // the clone is independent
  Tensor d = zeros({2, 3}, DType::F32);
  d.copy_(from_vector<double>({1, 2, 3}, {3}, DType::F64));  // broadcast rows, convert dtype
  EXPECT_EQ(d.to_vector<float>(), (std::vector<float>{1, 2, 3, 1, 2, 3}));
  d.select(0, 1).fill_(9);  // through a view
  EXPECT_EQ(d.to_vector<float>(), (std::vector<float>{1, 2, 3, 9, 9, 9}));
  EXPECT_ERROR(d.copy_(zeros({2})), "copy_: shapes [2, 3] and [2] cannot be broadcast");
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
