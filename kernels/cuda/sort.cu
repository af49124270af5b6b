#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_segmented_sort.cuh>

#include "kernels/cuda/launch.cuh"
#include "kernels/sort.h"

namespace tessel::kernels {
namespace {

// Start of row r (as the begin offset) or of row r - 1's end, for CUB's segment iterators.
struct RowStart {
  int64_t len;
  __host__ __device__ int64_t operator()(int64_t r) const { return r * len; }
};

struct PositionInRow {
  int64_t len;
  int64_t* index;
  __device__ void operator()(int64_t e) const { index[e] = e % len; }
};

// Scratch after CUB's own temporary storage, 256-byte aligned.
size_t after_temp(size_t temp_bytes) {
  return (temp_bytes + 255) / 256 * 256;
}

template <typename T>
void sort_segments(const T* keys, int64_t rows, int64_t len, bool descending, T* sorted,
                   int64_t* index, const CudaContext& ctx) {
  auto begin =
      thrust::make_transform_iterator(thrust::make_counting_iterator<int64_t>(0), RowStart{len});
  auto end = begin + 1;
  int64_t n = rows * len;
  auto run = [&](void* temp, size_t& bytes, const int64_t* positions) {
    return descending
               ? cub::DeviceSegmentedSort::StableSortPairsDescending(
                     temp, bytes, keys, sorted, positions, index, n, rows, begin, end, ctx.stream)
               : cub::DeviceSegmentedSort::StableSortPairs(temp, bytes, keys, sorted, positions,
                                                           index, n, rows, begin, end, ctx.stream);
  };
  size_t temp_bytes = 0;
  TESSEL_CUDA_CHECK(run(nullptr, temp_bytes, nullptr));
  // The positions the sort permutes sit in the workspace after CUB's scratch.
  size_t at = after_temp(temp_bytes);
  auto* scratch = static_cast<char*>(ctx.workspace(at + size_t(n) * sizeof(int64_t)));
  auto* positions = reinterpret_cast<int64_t*>(scratch + at);
  launch_each(n, ctx, PositionInRow{len, positions});
  TESSEL_CUDA_CHECK(run(scratch, temp_bytes, positions));
}

// One device-wide radix sort per long row (see sort_row_by_row); all rows permute the same
// positions 0 .. len - 1.
template <typename T>
void sort_long_rows(const T* keys, int64_t rows, int64_t len, bool descending, T* sorted,
                    int64_t* index, const CudaContext& ctx) {
  auto run = [&](void* temp, size_t& bytes, int64_t r, const int64_t* positions) {
    const T* k = keys + r * len;
    return descending ? cub::DeviceRadixSort::SortPairsDescending(temp, bytes, k, sorted + r * len,
                                                                  positions, index + r * len, len,
                                                                  0, int(sizeof(T) * 8), ctx.stream)
                      : cub::DeviceRadixSort::SortPairs(temp, bytes, k, sorted + r * len, positions,
                                                        index + r * len, len, 0, int(sizeof(T) * 8),
                                                        ctx.stream);
  };
  size_t temp_bytes = 0;
  TESSEL_CUDA_CHECK(run(nullptr, temp_bytes, 0, nullptr));
  size_t at = after_temp(temp_bytes);
  auto* scratch = static_cast<char*>(ctx.workspace(at + size_t(len) * sizeof(int64_t)));
  auto* positions = reinterpret_cast<int64_t*>(scratch + at);
  launch_each(len, ctx, PositionInRow{len, positions});
  for (int64_t r = 0; r < rows; ++r) {
    size_t bytes = temp_bytes;
    TESSEL_CUDA_CHECK(run(scratch, bytes, r, positions));
  }
}

// The piece [begin, end) of row `row` that block b of a launch over rows x split.parts owns.
struct Chunk {
  int64_t row, index, begin, end;
  __device__ Chunk(const RowSplit& s, int64_t len, int64_t b)
      : row(b / s.parts), index(b % s.parts), begin(s.begin(index)), end(s.end(index, len)) {}
};

// The total of each chunk (with a single piece per row, not launched).
template <typename T>
__global__ void chunk_totals_kernel(const T* x, int64_t len, RowSplit split, T* totals) {
  using Reduce = cub::BlockReduce<T, kThreads>;
  __shared__ typename Reduce::TempStorage temp;
  Chunk c(split, len, blockIdx.x);
  const T* row = x + c.row * len;
  T acc = 0;
  for (int64_t i = c.begin + threadIdx.x; i < c.end; i += kThreads) acc += row[i];
  T total = Reduce(temp).Sum(acc);
  if (threadIdx.x == 0) totals[blockIdx.x] = total;
}

// Scans each chunk tile by tile, starting from the inclusive sums of the chunk totals before it
// (`before`, null with one chunk per row).
template <typename T>
__global__ void cumsum_chunks_kernel(const T* x, int64_t len, RowSplit split, const T* before,
                                     T* out) {
  using Scan = cub::BlockScan<T, kThreads>;
  __shared__ typename Scan::TempStorage temp;
  Chunk c(split, len, blockIdx.x);
  const T* row = x + c.row * len;
  T* o = out + c.row * len;
  T carry = c.index > 0 ? before[blockIdx.x - 1] : T(0);
  for (int64_t base = c.begin; base < c.end; base += kThreads) {
    int64_t i = base + threadIdx.x;
    T v = i < c.end ? row[i] : T(0);
    T tile_total;
    Scan(temp).InclusiveSum(v, v, tile_total);
    if (i < c.end) o[i] = carry + v;
    carry += tile_total;
    __syncthreads();  // temp is reused by the next tile
  }
}

template <typename T>
void cumsum_typed(const T* x, int64_t rows, int64_t len, T* out, const CudaContext& ctx) {
  static_assert(kThreads == kCumsumTile);
  const RowSplit split = cumsum_split(rows, len);
  const unsigned blocks = grid_blocks(rows * split.parts, "cumsum");
  if (split.parts == 1) {
    cumsum_chunks_kernel<T><<<blocks, kThreads, 0, ctx.stream>>>(x, len, split, nullptr, out);
    TESSEL_CUDA_LAUNCH_CHECK();
    return;
  }
  // Chunk totals, then their running sums per row (one chunk each), in the workspace.
  auto* totals = static_cast<T*>(ctx.workspace(2 * size_t(rows * split.parts) * sizeof(T)));
  T* before = totals + rows * split.parts;
  chunk_totals_kernel<T><<<blocks, kThreads, 0, ctx.stream>>>(x, len, split, totals);
  TESSEL_CUDA_LAUNCH_CHECK();
  cumsum_chunks_kernel<T><<<grid_blocks(rows, "cumsum"), kThreads, 0, ctx.stream>>>(
      totals, split.parts, RowSplit{1, split.parts}, nullptr, before);
  TESSEL_CUDA_LAUNCH_CHECK();
  cumsum_chunks_kernel<T><<<blocks, kThreads, 0, ctx.stream>>>(x, len, split, before, out);
  TESSEL_CUDA_LAUNCH_CHECK();
}

}  // namespace

void sort_rows(const CudaContext& ctx, DType type, const void* keys, int64_t rows, int64_t len,
               bool descending, void* sorted, int64_t* index) {
  if (rows * len == 0) return;
  dispatch_types<float, double>(type, "sort", [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto sort = sort_row_by_row(len) ? sort_long_rows<T> : sort_segments<T>;
    sort(static_cast<const T*>(keys), rows, len, descending, static_cast<T*>(sorted), index, ctx);
  });
}

void cumsum_rows(const CudaContext& ctx, DType type, const void* x, int64_t rows, int64_t len,
                 void* out) {
  if (rows * len == 0) return;
  dispatch_types<float, double>(type, "cumsum", [&](auto tag) {
    using T = typename decltype(tag)::type;
    cumsum_typed(static_cast<const T*>(x), rows, len, static_cast<T*>(out), ctx);
  });
}

}  // namespace tessel::kernels
