#include <gtest/gtest.h>

#include "engine/ops.h"

using namespace tessel;

TEST(Smoke, AddBackward) {
  Tensor a = from_vector<double>({1, 2, 3}, {3}, DType::F64).requires_grad_();
  Tensor b = from_vector<double>({4, 5, 6}, {3}, DType::F64).requires_grad_();
  Tensor y = sum(a * b + a);
  y.backward();
  EXPECT_EQ(y.item(), 1 * 4 + 2 * 5 + 3 * 6 + 6);
  EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{5, 6, 7}));
  EXPECT_EQ(b.grad().to_vector<double>(), (std::vector<double>{1, 2, 3}));
}
