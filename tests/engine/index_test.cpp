#include <cmath>  // before op_harness.h, which uses std::isnan

#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {
Tensor ix(const std::vector<int64_t>& v, const Shape& shape, DType t = DType::I64) {
  return from_vector(v, shape, t);
}
}  // namespace

TEST(Index, SelectForward) {
  Tensor x = arange(0, 12, 1, DType::F64).reshape({3, 4});
  EXPECT_EQ(index_select(x, 0, ix({2, 0, 2}, {3})).to_vector<double>(),
            (std::vector<double>{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11}));
  Tensor cols = index_select(x.transpose(0, 1), 1, ix({1}, {1}, DType::I32));  // column view
  EXPECT_EQ(cols.sizes(), (Shape{4, 1}));
  EXPECT_EQ(cols.to_vector<double>(), (std::vector<double>{4, 5, 6, 7}));
  EXPECT_EQ(index_select(x, -1, ix({3, 3}, {2})).to_vector<double>(),
            (std::vector<double>{3, 3, 7, 7, 11, 11}));
}

// torch.gather's documented example, and an index smaller than the input outside dim.
TEST(Index, GatherForward) {
  Tensor t = from_vector<double>({1, 2, 3, 4}, {2, 2}, DType::F64);
  EXPECT_EQ(gather(t, 1, ix({0, 0, 1, 0}, {2, 2})).to_vector<double>(),
            (std::vector<double>{1, 1, 4, 3}));
  Tensor x = arange(0, 12, 1, DType::F64).reshape({3, 4});
  EXPECT_EQ(gather(x, 0, ix({2, 1, 0}, {1, 3}, DType::I32)).to_vector<double>(),
            (std::vector<double>{8, 5, 2}));
}

TEST(Index, Gradcheck) {
  Tensor x = randn_input({4, 3, 5}, 1);
  Tensor repeated = ix({3, 0, 3, 3, 1}, {5});  // repeats must accumulate
  expect_gradcheck([&](const std::vector<Tensor>& in) { return index_select(in[0], 0, repeated); },
                   {x});
  expect_gradcheck([&](const std::vector<Tensor>& in) { return index_select(in[0], 2, repeated); },
                   {x});
  Generator g(2);
  Tensor index = randint(0, 3, {3, 6, 4}, DType::I64, &g);  // narrower than x in dims 0, 2
  expect_gradcheck([&](const std::vector<Tensor>& in) { return gather(in[0], 1, index); }, {x});
}

TEST(Index, RepeatedIndexGradientSums) {
  Tensor x = zeros({3}, DType::F64).requires_grad_();
  sum(gather(x, 0, ix({2, 2, 2, 0}, {4}))).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 0, 3}));
}

// Random permutations along dim 1, as sort's indices are: the parallel scatter of
// gather_permutation's backward gives what gather's column walk gives.
TEST(Index, PermutationBackwardEqualsGathers) {
  Generator g(9);
  Tensor x = randn_input({5, 7, 9}, 8);
  Tensor index = sort(rand({5, 9, 7}, DType::F64, &g)).indices.transpose(1, 2);  // strided
  Tensor w = randn_input({5, 7, 9}, 10, DType::F64, false);
  Tensor a = x.detach().requires_grad_(), b = x.detach().requires_grad_();
  Tensor ya = gather_permutation(a, 1, index), yb = gather(b, 1, index);
  EXPECT_ALL_CLOSE(ya, yb, 0, 0);
  sum(ya * w).backward();
  sum(yb * w).backward();
  EXPECT_ALL_CLOSE(a.grad(), b.grad(), 0, 0);
  expect_gradcheck(
      [&](const std::vector<Tensor>& in) { return gather_permutation(in[0], 1, index); }, {x});
  EXPECT_ERROR(gather_permutation(x, 1, index.narrow(2, 0, 4)),
               "gather_permutation: 'index' has shape [5, 7, 4] but must have the shape of 'self' "
               "[5, 7, 9]");
}

TEST(Index, Errors) {
  Tensor x = zeros({3, 5});
  EXPECT_ERROR(index_select(x, 1, ix({0, 5}, {2})),
               "index_select: index 5 is out of range for dim 1 of size 5");
  EXPECT_ERROR(gather(x, 0, ix({-1}, {1, 1})),
               "gather: index -1 is out of range for dim 0 of size 3");
  EXPECT_ERROR(gather(x, 0, ix({0, 0, 0, 0, 0, 0}, {1, 6})),
               "larger than 'self' of shape [3, 5] in dim 1");
  EXPECT_ERROR(index_select(x, 0, zeros({2})), "index_select: 'index' must be i64 or i32, got f32");
}

TEST(Index, MatchesCpu_CUDA) {
  Generator g(3);
  Tensor index = randint(0, 31, {17, 40, 3}, DType::I64, &g);
  Tensor sel = randint(0, 31, {50}, DType::I32, &g);
  for (DType t : {DType::F32, DType::F16, DType::BF16}) {
    expect_cuda_matches_cpu([](const std::vector<Tensor>& in) { return gather(in[0], 1, in[1]); },
                            {randn_input({17, 31, 5}, 4), index}, t);
    expect_cuda_matches_cpu(
        [](const std::vector<Tensor>& in) { return index_select(in[0], 1, in[1]); },
        {randn_input({17, 31, 5}, 5), sel}, t);
  }
}

TEST(Index, PermutationAndBoolMatchCpu_CUDA) {
  Generator g(11);
  Tensor index = sort(rand({4, 6, 301}, DType::F64, &g)).indices;
  for (DType t : {DType::F32, DType::F16, DType::BF16})
    expect_cuda_matches_cpu(
        [](const std::vector<Tensor>& in) { return gather_permutation(in[0], 2, in[1]); },
        {randn_input({4, 6, 301}, 12), index}, t);
  // Bool tensors are gathered and padded on the GPU as on the CPU.
  Tensor flags = gt(randn_input({4, 6, 301}, 13, DType::F64, false), full({}, 0.0, DType::F64));
  EXPECT_EQ(
      gather(flags.to(cuda_device()), 2, index.to(cuda_device())).to(kCPU).to_vector<int64_t>(),
      gather(flags, 2, index).to_vector<int64_t>());
  EXPECT_EQ(pad(flags.to(cuda_device()), {2, 1}).to(kCPU).to_vector<int64_t>(),
            pad(flags, {2, 1}).to_vector<int64_t>());
}

// The scatter-add of the backward has a fixed order: two runs agree bit for bit.
TEST(Index, DeterministicBackward_CUDA) {
  Generator g(4);
  Tensor index = randint(0, 8, {1000, 4}, DType::I64, &g).to(cuda_device());
  auto grad_of = [&] {
    Tensor x = randn_input({8, 4}, 6, DType::F32, false).to(cuda_device()).requires_grad_();
    Tensor w = randn_input({1000, 4}, 7, DType::F32, false).to(cuda_device());
    sum(gather(x, 0, index) * w).backward();
    return x.grad().to_vector<float>();
  };
  EXPECT_EQ(grad_of(), grad_of());
}
