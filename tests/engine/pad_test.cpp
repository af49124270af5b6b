#include <cmath>  // before op_harness.h, which uses std::isnan

#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {
std::vector<double> padded(const std::vector<double>& v, const Shape& shape,
                           const std::vector<int64_t>& pads, PadMode mode, double value = 0) {
  return pad(from_vector(v, shape, DType::F64), pads, mode, value).to_vector<double>();
}
}  // namespace

// Expected values as torch.nn.functional.pad gives them.
TEST(Pad, KnownValues1d) {
  std::vector<double> x = {1, 2, 3};
  EXPECT_EQ(padded(x, {1, 3}, {2, 1}, PadMode::Reflect), (std::vector<double>{3, 2, 1, 2, 3, 2}));
  EXPECT_EQ(padded(x, {1, 3}, {2, 1}, PadMode::Replicate), (std::vector<double>{1, 1, 1, 2, 3, 3}));
  EXPECT_EQ(padded(x, {1, 3}, {1, 2}, PadMode::Constant, 9),
            (std::vector<double>{9, 1, 2, 3, 9, 9}));
  EXPECT_EQ(padded(x, {1, 3}, {-1, 0}, PadMode::Constant), (std::vector<double>{2, 3}));
}

TEST(Pad, KnownValues2d) {
  std::vector<double> x = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(padded(x, {3, 3}, {1, 1, 1, 1}, PadMode::Reflect),
            (std::vector<double>{4, 3, 4, 5, 4, 1, 0, 1, 2, 1, 4, 3, 4,
                                 5, 4, 7, 6, 7, 8, 7, 4, 3, 4, 5, 4}));
  EXPECT_EQ(padded(x, {1, 3, 3}, {0, 1, 1, 0}, PadMode::Replicate),
            (std::vector<double>{0, 1, 2, 2, 0, 1, 2, 2, 3, 4, 5, 5, 6, 7, 8, 8}));
  Tensor mask = from_vector<int64_t>({1, 2}, {1, 2}, DType::U8);
  EXPECT_EQ(pad(mask, {0, 1, 1, 0}, PadMode::Constant, 255).to_vector<uint8_t>(),
            (std::vector<uint8_t>{255, 255, 255, 1, 2, 255}));
}

TEST(Pad, Gradcheck) {
  std::vector<int64_t> pads = {1, 2, 2, 1, 1, 0};
  for (PadMode m : {PadMode::Reflect, PadMode::Replicate, PadMode::Constant}) {
    SCOPED_TRACE(int(m));
    expect_gradcheck([&](const std::vector<Tensor>& in) { return pad(in[0], pads, m, 0.5); },
                     {randn_input({2, 3, 4, 5}, 1)});
  }
  expect_gradcheck(
      [](const std::vector<Tensor>& in) {
        return pad(in[0], {-1, 2, 1, -2}, PadMode::Constant);
      },
      {randn_input({2, 4, 3}, 2)});
  expect_gradcheck(
      [](const std::vector<Tensor>& in) {
        return pad(in[0], {3, 3}, PadMode::Replicate);
      },
      {randn_input({2, 1}, 3)});
}

TEST(Pad, Errors) {
  EXPECT_ERROR(pad(zeros({2, 3}), {3, 0}, PadMode::Reflect),
               "pad: reflect padding (3, 0) must be less than the size 3 of dim 1");
  EXPECT_ERROR(pad(zeros({2, 3}), {1}), "pad: expected 2, 4 or 6 pad values");
  EXPECT_ERROR(pad(zeros({3}), {1, 1, 1, 1}), "input has shape [3]");
  EXPECT_ERROR(pad(zeros({3}), {-1, 0}, PadMode::Replicate),
               "replicate padding must be non-negative");
}

TEST(Pad, MatchesCpu_CUDA) {
  for (PadMode m : {PadMode::Reflect, PadMode::Replicate, PadMode::Constant})
    for (DType t : {DType::F32, DType::F16, DType::BF16}) {
      SCOPED_TRACE(int(m));
      expect_cuda_matches_cpu(
          [&](const std::vector<Tensor>& in) {
            return pad(in[0], {3, 2, 1, 4}, m, -1.0);
          },
          {randn_input({2, 3, 9, 17}, 4)}, t);
    }
}
