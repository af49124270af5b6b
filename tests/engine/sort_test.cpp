// sort and cumsum (engine/ops/sort.h), the row sort and running sum Lovasz-softmax is built on.
#include <cmath>  // before op_harness.h, which uses std::isnan

#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

TEST(Sort, StableSortBothWaysWithGradient) {
  Tensor x = from_vector<double>({3, 1, 2, 1, 3, 0.5, 0.5, -1, 4, 0.5}, {2, 5}, DType::F64);
  SortResult down = sort(x, true), up = sort(x);
  EXPECT_EQ(down.values.to_vector<double>(),
            (std::vector<double>{3, 3, 2, 1, 1, 4, 0.5, 0.5, 0.5, -1}));
  EXPECT_EQ(down.indices.to_vector<int64_t>(),
            (std::vector<int64_t>{0, 4, 2, 1, 3, 3, 0, 1, 4, 2}));
  EXPECT_EQ(up.indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 3, 2, 0, 4, 2, 0, 1, 4, 3}));
  expect_gradcheck([](auto& in) { return sort(in[0], true).values; }, {randn_input({3, 1, 7}, 1)});
  EXPECT_ERROR(sort(zeros({3}, DType::I64)), "sort: 'input' must be a floating-point tensor");
}

TEST(Sort, CumsumAndItsGradient) {
  Tensor x = from_vector<double>({1, 2, 3, -1, 0, 5}, {2, 3}, DType::F64);
  EXPECT_EQ(cumsum(x).to_vector<double>(), (std::vector<double>{1, 3, 6, -1, -1, 4}));
  expect_gradcheck([](auto& in) { return cumsum(in[0]); }, {randn_input({2, 3, 6}, 2)});
}
