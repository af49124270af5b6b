#include "tests/engine/seg_labels.h"
#include "tests/fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

// SuperGradients' construction, on the host: per class, dilation minus erosion of the one-hot
// map (an ignored pixel has no class) with replicate padding; an edge in any class is an edge.
std::vector<uint8_t> reference_edges(const Tensor& labels, int64_t k) {
  std::vector<int64_t> y = labels.to_vector<int64_t>();
  int64_t n = labels.size(0), h = labels.size(1), w = labels.size(2), r = k / 2;
  std::vector<uint8_t> out(y.size(), 0);
  auto at = [&](int64_t b, int64_t i, int64_t j) {
    i = std::clamp<int64_t>(i, 0, h - 1), j = std::clamp<int64_t>(j, 0, w - 1);
    return y[size_t((b * h + i) * w + j)];
  };
  for (int64_t c = 0; c < 256; ++c)
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < h; ++i)
        for (int64_t j = 0; j < w; ++j) {
          bool dilated = false, eroded = true;
          for (int64_t di = -r; di <= r; ++di)
            for (int64_t dj = -r; dj <= r; ++dj) {
              bool in_c = at(b, i + di, j + dj) == c && c != 255;
              dilated |= in_c, eroded &= in_c;
            }
          out[size_t((b * h + i) * w + j)] |= dilated && !eroded;
        }
  return out;
}

}  // namespace

TEST(Edge, OneDimensionalPattern) {
  // SuperGradients' own example: [0 0 0 1 1 1 0 0 0] with k = 3 gives [0 0 1 1 0 1 1 0 0].
  Tensor y = from_vector<int64_t>({0, 0, 0, 1, 1, 1, 0, 0, 0}, {1, 1, 9}, DType::I64);
  EXPECT_EQ(edge_mask(y, 3).to_vector<int64_t>(),
            (std::vector<int64_t>{0, 0, 1, 1, 0, 1, 1, 0, 0}));
  EXPECT_EQ(edge_mask(y, 1).to_vector<int64_t>(), std::vector<int64_t>(9, 0));
}

TEST(Edge, MatchesDilationMinusErosion) {
  Tensor y = seg_labels({2, 13, 17}, 4, 1, 0.1);
  for (int64_t k : {3, 5})
    for (DType lt : {DType::U8, DType::I32, DType::I64}) {
      SCOPED_TRACE(std::to_string(k) + " " + dtype_name(lt));
      Tensor e = edge_mask(y.to(lt), k);
      EXPECT_EQ(e.dtype(), DType::U8);
      EXPECT_EQ(e.to_vector<uint8_t>(), reference_edges(y, k));
    }
}

TEST(Edge, MatchesPyTorchFixture) {
  auto f = load_fixture("dice.txt");
  Tensor y = f.at("labels").to(DType::I64);
  EXPECT_ALL_CLOSE(edge_mask(y, 3).to(DType::F64), f.at("edge3"), 0, 0);
  EXPECT_ALL_CLOSE(edge_mask(y, 5).to(DType::F64), f.at("edge5"), 0, 0);
}

TEST(Edge, Errors) {
  Tensor y = zeros({1, 3, 3}, DType::I64);
  EXPECT_ERROR(edge_mask(y, 4), "edge_mask: the edge kernel must be odd and positive, got 4");
  EXPECT_ERROR(edge_mask(zeros({3, 3}, DType::I64), 3), "'labels' must have 3 dims");
  EXPECT_ERROR(edge_mask(zeros({1, 3, 3}), 3), "'labels' must be u8, i32 or i64");
}

TEST(Edge, MatchesCpu_CUDA) {
  Tensor y = seg_labels({3, 37, 53}, 5, 2, 0.1);
  for (int64_t k : {3, 5})
    for (DType lt : {DType::U8, DType::I64}) {
      Tensor cpu = edge_mask(y.to(lt), k), gpu = edge_mask(y.to(lt).to(cuda_device(0)), k);
      EXPECT_EQ(gpu.to(kCPU).to_vector<uint8_t>(), cpu.to_vector<uint8_t>()) << k << " " << lt;
    }
}
