// The offsets CUDA's strided kernels compute for each element (kernels/common/strided.h), in
// both index types, against coordinates written out, for random layouts and for iteration
// indices near 2^31 and 2^32.
#include "kernels/common/strided.h"

#include <gtest/gtest.h>

#include <random>

namespace tessel::kernels {
namespace {

template <int N>
void expect_offsets(const StridedPlan<N>& p, int64_t i) {
  int64_t want[N] = {}, rest = i;
  for (int d = p.ndim - 1; d >= 0; --d) {
    int64_t coord = rest % p.sizes[d];
    rest /= p.sizes[d];
    for (int k = 0; k < N; ++k) want[k] += coord * p.strides[k][d];
  }
  int64_t wide[N], narrow[N];
  p.template offsets<int64_t>(i, wide);
  for (int k = 0; k < N; ++k) ASSERT_EQ(wide[k], want[k]) << "operand " << k << ", index " << i;
  if (!p.fits_32bit()) return;
  p.template offsets<uint32_t>(i, narrow);
  for (int k = 0; k < N; ++k) ASSERT_EQ(narrow[k], want[k]) << "operand " << k << ", index " << i;
}

TEST(StridedPlan, OffsetsOfRandomLayouts) {
  std::mt19937 g(5);
  for (int trial = 0; trial < 200; ++trial) {
    StridedPlan<3> p;
    p.ndim = int(g() % 4);
    p.numel = 1;
    for (int d = 0; d < p.ndim; ++d) {
      p.sizes[d] = 1 + int64_t(g() % 7);
      p.numel *= p.sizes[d];
      for (int k = 0; k < 3; ++k) p.strides[k][d] = g() % 3 == 0 ? 0 : int64_t(g() % 50);
    }
    for (int64_t i = 0; i < p.numel; ++i) expect_offsets(p, i);
  }
}

TEST(StridedPlan, IndicesNearTwoToThe31And32) {
  // [2^16 + 1, 2^15 - 1]: just under 2^31 elements, 32-bit indices; a transposed operand with a
  // stride that makes offsets pass 2^32.
  StridedPlan<2> narrow;
  narrow.ndim = 2;
  narrow.sizes[0] = (1 << 16) + 1, narrow.sizes[1] = (1 << 15) - 1;
  narrow.numel = narrow.sizes[0] * narrow.sizes[1];
  narrow.strides[0][0] = narrow.sizes[1], narrow.strides[0][1] = 1;
  narrow.strides[1][0] = 1, narrow.strides[1][1] = int64_t(1) << 20;
  ASSERT_TRUE(narrow.fits_32bit());
  // [3, 2^31 + 5]: past 2^32 elements, 64-bit indices.
  StridedPlan<2> wide;
  wide.ndim = 2;
  wide.sizes[0] = 3, wide.sizes[1] = (int64_t(1) << 31) + 5;
  wide.numel = wide.sizes[0] * wide.sizes[1];
  wide.strides[0][0] = wide.sizes[1], wide.strides[0][1] = 1;
  wide.strides[1][0] = 0, wide.strides[1][1] = 2;
  ASSERT_FALSE(wide.fits_32bit());
  for (const StridedPlan<2>* p : {&narrow, &wide})
    for (int64_t i : {int64_t(0), int64_t(1), p->sizes[1] - 1, p->sizes[1], p->numel / 2,
                      (int64_t(1) << 31) - 2, p->numel - 2, p->numel - 1})
      if (i < p->numel) expect_offsets(*p, i);
}

}  // namespace
}  // namespace tessel::kernels
