// How the CUDA kernels share long rows out (kernels/common/split.h: reductions, the running sum,
// normalisation statistics) and the order the reduction's warps add in, executed on the host:
// every element lands in exactly one piece and lane, the launch plans of segmentation-sized
// tensors fill an H100, and the host model of the reduction kernels (lane sums, then
// kernels/common/warp32.h's butterfly) gives a result the GPU must match bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/ops.h"
#include "kernels/common/warp32.h"
#include "kernels/norm.h"
#include "kernels/reduce.h"
#include "kernels/sort.h"

namespace tessel::kernels {
namespace {

constexpr int64_t kH100Sms = 132;

// What the warp of one piece of row r leaves: the lanes' sums, then the butterfly.
float warp_piece(const float* in, const RowLayout& l, int64_t r, int64_t begin, int64_t end,
                 const float* mean) {
  std::array<float, kWarpLanes> lanes;
  for (int lane = 0; lane < kWarpLanes; ++lane)
    lanes[size_t(lane)] = lane_sum<float>(in, l, r, begin, end, lane, mean);
  return warp32_sum(lanes);
}

// reduce_rows on CUDA for f32, on the host, in the kernels' order (kernels/cuda/reduce.cu).
std::vector<float> reduce_in_cuda_order(ReduceOp op, const std::vector<float>& in,
                                        const RowLayout& l, double correction) {
  const RowSplit split = reduce_split(l.outer, l.inner);
  std::vector<float> out(size_t(l.outer));
  for (int64_t r = 0; r < l.outer; ++r) {
    auto total = [&](const float* mean) {
      if (split.parts == 1) return warp_piece(in.data(), l, r, 0, l.inner, mean);
      std::vector<float> partials(size_t(split.parts));
      for (int64_t p = 0; p < split.parts; ++p)
        partials[size_t(p)] =
            warp_piece(in.data(), l, r, split.begin(p), split.end(p, l.inner), mean);
      return warp_piece(partials.data(), {1, split.parts, split.parts}, 0, 0, split.parts, nullptr);
    };
    float acc = total(nullptr);
    if (is_spread(op)) {
      float mean = acc / float(l.inner);
      acc = total(&mean);
    }
    out[size_t(r)] = finish_reduce(op, acc, l.inner, correction);
  }
  return out;
}

std::vector<float> random_values(int64_t n, uint32_t seed, float offset) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = offset + u(g);
  return v;
}

TEST(ReduceSplit, PiecesCoverEveryRowOnce) {
  const int64_t shapes[][2] = {{1, 1},
                               {1, 256},
                               {1, 257},
                               {3, 1000},
                               {19, 100003},
                               {1, 2097152},
                               {4095, 300},
                               {4096, 1000000},
                               {1, int64_t(1) << 31},
                               {1, (int64_t(1) << 32) + 5},
                               {7, (int64_t(1) << 31) - 1},
                               {150, 2000000}};
  for (auto [outer, inner] : shapes) {
    SCOPED_TRACE(::testing::Message() << outer << " x " << inner);
    const RowSplit s = reduce_split(outer, inner);
    ASSERT_GE(s.parts, 1);
    ASSERT_GE(s.piece, 1);
    // The pieces tile [0, inner): all but the last are full, the last is not empty.
    EXPECT_GE(s.parts * s.piece, inner);
    EXPECT_LT((s.parts - 1) * s.piece, inner);
    if (s.parts > 1) {
      EXPECT_EQ(s.piece % 32, 0);
      EXPECT_GE(s.piece, kReduceMinPiece);
    }
    // Enough 256-thread blocks to give every SM two, once there is real work.
    const int64_t blocks = (outer * s.parts * 32 + 255) / 256;
    if (outer * inner > (int64_t(1) << 20)) {
      EXPECT_GE(blocks, 2 * kH100Sms);
    }
    // The second pass reads at most one partial per warp of the first.
    EXPECT_LE(outer * s.parts, std::max(outer, kReduceWarps + outer));
  }
}

// Blocks (or 8-warp blocks' worth of warps) a plan launches for rows x len.
int64_t blocks_of(const RowSplit& s, int64_t rows, int64_t per_block) {
  return (rows * s.parts + per_block - 1) / per_block;
}

TEST(RowSplit, TilesEachRow) {
  for (int64_t len :
       {int64_t(1), int64_t(4095), int64_t(4097), int64_t(1) << 20, (int64_t(1) << 32) + 3}) {
    for (int64_t rows : {int64_t(1), int64_t(3), int64_t(1000), int64_t(1) << 20}) {
      const RowSplit s = split_rows(rows, len, 1024, 4096, 256);
      EXPECT_EQ(s.begin(0), 0);
      EXPECT_EQ(s.end(s.parts - 1, len), len) << rows << " x " << len;
      EXPECT_GT(s.end(s.parts - 1, len), s.begin(s.parts - 1)) << "an empty last piece";
      for (int64_t p = 0; p + 1 < s.parts; ++p) EXPECT_EQ(s.end(p, len), s.begin(p + 1));
      if (s.parts > 1) {
        EXPECT_EQ(s.piece % 256, 0);
      }
    }
  }
}

// The plans of the launches a Cityscapes-sized training step makes (batch 8 at 512 x 1024, 19
// classes): each gives an H100's 132 SMs at least two blocks once there are over 1M elements.
TEST(RowSplit, SegmentationLaunchesFillAnH100) {
  const int64_t pixels = 8 * 512 * 1024;
  struct Launch {
    const char* what;
    int64_t rows, len, blocks;
  };
  const Launch launches[] = {
      {"loss mean over every pixel", 1, pixels, blocks_of(reduce_split(1, pixels), 1, 8)},
      {"per-class sums (Dice, Lovasz counts)", 19, pixels,
       blocks_of(reduce_split(19, pixels), 19, 8)},
      {"conv bias gradient, 64 channels", 64, pixels / 4,
       blocks_of(reduce_split(64, pixels / 4), 64, 8)},
      {"batch norm statistics, 64 channels", 64, pixels / 4,
       blocks_of(norm_split(64, pixels / 4), 64, 1)},
      {"batch norm statistics, 2048 channels at 1/8", 2048, pixels / 64,
       blocks_of(norm_split(2048, pixels / 64), 2048, 1)},
      {"SegFormer layer norm, 131k rows of 64", 131072, 64,
       norm_warp_per_group(64) ? (131072 + 7) / 8 : blocks_of(norm_split(131072, 64), 131072, 1)},
      {"Lovasz running sums, 19 x pixels", 19, pixels, blocks_of(cumsum_split(19, pixels), 19, 1)},
      {"OHEM running sum, 1 x pixels", 1, pixels, blocks_of(cumsum_split(1, pixels), 1, 1)},
  };
  for (const Launch& l : launches) {
    SCOPED_TRACE(l.what);
    if (l.rows * l.len > (int64_t(1) << 20)) {
      EXPECT_GE(l.blocks, 2 * kH100Sms);
    }
  }
  // Layer norm's rows get a warp each, batch norm's channels blocks.
  EXPECT_TRUE(norm_warp_per_group(64));
  EXPECT_FALSE(norm_warp_per_group(pixels / 4));
  // Long rows are sorted by a device-wide sort each, not one block per row.
  EXPECT_TRUE(sort_row_by_row(pixels));
  EXPECT_FALSE(sort_row_by_row(4096));
}

// Layer norm's weight gradients, summed across rows (kernels/norm.h's column walk): every
// (row, column) once, and enough blocks for a SegFormer stage at batch 8.
TEST(RowSplit, ColumnWalkVisitsEachCellOnce) {
  for (auto [rows, cols] : {std::pair<int64_t, int64_t>{1, 2}, {7, 33}, {300, 64}, {5000, 3}}) {
    const RowSplit s = column_split(cols, rows);
    const int64_t blocks = (cols + kColumnTile - 1) / kColumnTile * s.parts;
    std::vector<int> seen(size_t(rows * cols), 0);
    for (int64_t b = 0; b < blocks; ++b)
      for (int t = 0; t < kColumnTile * kColumnRowLanes; ++t) {
        const ColumnWalk w = column_walk(s, rows, b, t);
        if (w.col >= cols) continue;
        for (int64_t r = w.first; r < w.end; r += kColumnRowLanes) ++seen[size_t(r * cols + w.col)];
      }
    for (size_t i = 0; i < seen.size(); ++i)
      ASSERT_EQ(seen[i], 1) << rows << " x " << cols << ", cell " << i;
  }
  EXPECT_TRUE(norm_by_columns(Groups{64, 1}));
  EXPECT_FALSE(norm_by_columns(Groups{64, 4096}));  // batch norm's channels
  const int64_t rows = 8 * 128 * 256;
  EXPECT_GE((64 + kColumnTile - 1) / kColumnTile * column_split(64, rows).parts, 2 * kH100Sms);
}

TEST(ReduceSplit, LanesVisitEachElementOnce) {
  for (auto [outer, inner] : {std::pair<int64_t, int64_t>{1, 70001}, {5, 4099}, {3, 31}}) {
    const RowSplit s = reduce_split(outer, inner);
    std::vector<int> seen(size_t(inner), 0);
    for (int64_t p = 0; p < s.parts; ++p)
      for (int l = 0; l < kWarpLanes; ++l)
        for (int64_t i = p * s.piece + l; i < std::min((p + 1) * s.piece, inner); i += 32)
          ++seen[size_t(i)];
    for (int64_t i = 0; i < inner; ++i) ASSERT_EQ(seen[size_t(i)], 1) << "element " << i;
  }
}

TEST(ReduceSplit, CudaOrderAgreesWithF64) {
  const RowLayout layouts[] = {
      {1, 1000003, 1000003}, {19, 20011, 20011}, {2, 300, 300}, {6, 4 * 33 * 37, 33 * 37}};
  for (const RowLayout& l : layouts) {
    std::vector<float> x = random_values(l.outer * l.inner, uint32_t(l.inner), 3.0f);
    for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Var, ReduceOp::Std}) {
      std::vector<float> got = reduce_in_cuda_order(op, x, l, 1);
      for (int64_t r = 0; r < l.outer; ++r) {
        double s = 0, q = 0;
        for (int64_t i = 0; i < l.inner; ++i) s += x[size_t(l.at(r, i))];
        double mean = s / double(l.inner);
        for (int64_t i = 0; i < l.inner; ++i) q += std::pow(x[size_t(l.at(r, i))] - mean, 2);
        double want = op == ReduceOp::Sum    ? s
                      : op == ReduceOp::Mean ? mean
                      : op == ReduceOp::Var  ? q / double(l.inner - 1)
                                             : std::sqrt(q / double(l.inner - 1));
        EXPECT_NEAR(got[size_t(r)], want, 2e-6 * std::abs(want) + 1e-6)
            << "op " << int(op) << ", " << l.outer << " x " << l.inner << " (trail " << l.trail
            << "), row " << r;
      }
    }
  }
}

// The GPU's bits against the host model above: a whole-tensor sum (one row, split), per-class
// sums (a few long rows), many short rows (one warp each), and a bias gradient's sums over N, H
// and W read in place (interleaved rows).
TEST(ReduceSplit, GpuMatchesTheHostModelBitForBit_CUDA) {
  struct Case {
    Shape shape;
    Dims dims;
    RowLayout rows;
  };
  const Case cases[] = {{{1, 1000003}, {1}, {1, 1000003, 1000003}},
                        {{19, 20011}, {1}, {19, 20011, 20011}},
                        {{5000, 37}, {1}, {5000, 37, 37}},
                        {{4, 6, 33, 37}, {0, 2, 3}, {6, 4 * 33 * 37, 33 * 37}}};
  for (const Case& c : cases) {
    std::vector<float> x = random_values(shape_numel(c.shape), uint32_t(c.rows.inner), 0.5f);
    Tensor t = from_vector(x, c.shape, DType::F32).to(cuda_device());
    for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Var, ReduceOp::Std}) {
      Tensor got = op == ReduceOp::Sum    ? sum(t, c.dims)
                   : op == ReduceOp::Mean ? mean(t, c.dims)
                   : op == ReduceOp::Var  ? var(t, c.dims)
                                          : tessel::std(t, c.dims);
      std::vector<float> g = got.to(kCPU).to_vector<float>();
      std::vector<float> want = reduce_in_cuda_order(op, x, c.rows, 1);
      ASSERT_EQ(g.size(), want.size());
      EXPECT_EQ(std::memcmp(g.data(), want.data(), g.size() * sizeof(float)), 0)
          << "op " << int(op) << ", " << shape_str(c.shape) << ": " << g[0] << " vs " << want[0];
    }
  }
}

}  // namespace
}  // namespace tessel::kernels
