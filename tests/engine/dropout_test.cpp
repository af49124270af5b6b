#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

TEST(Dropout, MaskStatisticsAndScale) {
  Generator g(1);
  std::vector<float> v = dropout(ones({200, 100}), 0.3, true, &g).to_vector<float>();
  int64_t zeros_seen = 0;
  for (float y : v) {
    EXPECT_TRUE(y == 0.0f || y == float(1 / 0.7)) << y;
    zeros_seen += y == 0.0f;
  }
  // 20000 draws: the standard deviation of the dropped fraction is 0.0032.
  EXPECT_NEAR(double(zeros_seen) / double(v.size()), 0.3, 0.015);
}

TEST(Dropout, Dropout2dZeroesWholeChannels) {
  Generator g(2);
  Tensor y = dropout2d(ones({8, 50, 3, 4}, DType::F64), 0.4, true, &g);
  std::vector<double> v = y.to_vector<double>();
  int64_t dropped = 0;
  for (size_t plane = 0; plane < 400; ++plane) {
    for (size_t k = 1; k < 12; ++k)
      ASSERT_EQ(v[plane * 12 + k], v[plane * 12]) << "plane " << plane;
    EXPECT_TRUE(v[plane * 12] == 0 || std::abs(v[plane * 12] - 1 / 0.6) < 1e-15);
    dropped += v[plane * 12] == 0;
  }
  EXPECT_NEAR(double(dropped) / 400.0, 0.4, 0.08);  // standard deviation 0.025
}

TEST(Dropout, SeedReproducibility) {
  Tensor x = randn_input({5, 7}, 3, DType::F32, false);
  Generator a(42), b(42);
  Tensor first = dropout(x, 0.5, true, &a);
  EXPECT_EQ(first.to_vector<float>(), dropout(x, 0.5, true, &b).to_vector<float>());
  EXPECT_NE(first.to_vector<float>(),
            dropout(x, 0.5, true, &a).to_vector<float>());  // offset advanced
  manual_seed(9);
  Tensor d = dropout(x, 0.5, true);
  manual_seed(9);
  EXPECT_EQ(d.to_vector<float>(), dropout(x, 0.5, true).to_vector<float>());
}

TEST(Dropout, EvalZeroAndOne) {
  Tensor x = randn_input({4, 6}, 4, DType::F64, false);
  EXPECT_EQ(dropout(x, 0.5, false).storage(), x.storage());
  EXPECT_EQ(dropout(x, 0.0, true).storage(), x.storage());
  EXPECT_EQ(dropout2d(x.reshape({1, 4, 2, 3}), 0.5, false).storage(), x.storage());
  EXPECT_EQ(dropout(x, 1.0, true).to_vector<double>(), std::vector<double>(24, 0.0));
}

TEST(Dropout, BackwardUsesTheSameMask) {
  Tensor x = ones({6, 9}, DType::F64).requires_grad_();
  Generator g(5);
  Tensor y = dropout(x, 0.25, true, &g);
  sum(y).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), y.to_vector<double>());  // d(x * m * s)/dx = m * s
  // Fixed generators inside the function give the same mask on every call.
  expect_gradcheck(
      [](auto& in) {
        Generator s(6);
        return dropout(in[0], 0.3, true, &s);
      },
      {randn_input({3, 5}, 7)});
  expect_gradcheck(
      [](auto& in) {
        Generator s(8);
        return dropout2d(in[0], 0.5, true, &s);
      },
      {randn_input({2, 3, 2, 2}, 9)});
}

TEST(Dropout, Errors) {
  EXPECT_ERROR(dropout(ones({3}), 1.5, true), "'p' must be in [0, 1], got 1.5");
  EXPECT_ERROR(dropout2d(ones({3, 4, 5}), 0.5, true), "dropout2d: 'input' must have 4 dims");
  EXPECT_ERROR(dropout(ones({3}, DType::I32), 0.5, true), "dropout");
}

TEST(Dropout, SameMaskAsCpu_CUDA) {
  Generator a(11), b(11);
  Tensor cpu = dropout(ones({7, 33, 5}), 0.35, true, &a);
  Tensor gpu = dropout(ones({7, 33, 5}, cuda_device(0)), 0.35, true, &b);
  EXPECT_EQ(gpu.to(kCPU).to_vector<float>(), cpu.to_vector<float>());
  Tensor x = randn_input({3, 5, 7, 9}, 12);
  for (DType t : {DType::F32, DType::F16, DType::BF16}) {
    expect_cuda_matches_cpu(
        [](auto& in) {
          Generator s(13);
          return dropout(in[0], 0.2, true, &s);
        },
        {x}, t);
    expect_cuda_matches_cpu(
        [](auto& in) {
          Generator s(14);
          return dropout2d(in[0], 0.6, true, &s);
        },
        {x}, t);
  }
}
