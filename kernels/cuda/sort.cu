#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <cub/block/block_scan.cuh>
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

template <typename T>
void sort_typed(const T* keys, int64_t rows, int64_t len, bool descending, T* sorted,
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
  size_t positions_at = (temp_bytes + 255) / 256 * 256;
  auto* scratch = static_cast<char*>(ctx.workspace(positions_at + size_t(n) * sizeof(int64_t)));
  auto* positions = reinterpret_cast<int64_t*>(scratch + positions_at);
  launch_each(n, ctx, PositionInRow{len, positions});
  TESSEL_CUDA_CHECK(run(scratch, temp_bytes, positions));
}

template <typename T>
__global__ void cumsum_rows_kernel(const T* x, int64_t len, T* out) {
  using Scan = cub::BlockScan<T, kThreads>;
  __shared__ typename Scan::TempStorage temp;
  const T* row = x + int64_t(blockIdx.x) * len;
  T* o = out + int64_t(blockIdx.x) * len;
  T carry = 0;
  for (int64_t base = 0; base < len; base += kThreads) {
    int64_t i = base + threadIdx.x;
    T v = i < len ? row[i] : T(0);
    T tile_total;
    Scan(temp).InclusiveSum(v, v, tile_total);
    if (i < len) o[i] = carry + v;
    carry += tile_total;
    __syncthreads();  // temp is reused by the next tile
  }
}

}  // namespace

void sort_rows(const CudaContext& ctx, DType type, const void* keys, int64_t rows, int64_t len,
               bool descending, void* sorted, int64_t* index) {
  if (rows * len == 0) return;
  dispatch_types<float, double>(type, "sort", [&](auto tag) {
    using T = typename decltype(tag)::type;
    sort_typed(static_cast<const T*>(keys), rows, len, descending, static_cast<T*>(sorted), index,
               ctx);
  });
}

void cumsum_rows(const CudaContext& ctx, DType type, const void* x, int64_t rows, int64_t len,
                 void* out) {
  if (rows * len == 0) return;
  dispatch_types<float, double>(type, "cumsum", [&](auto tag) {
    using T = typename decltype(tag)::type;
    cumsum_rows_kernel<T><<<unsigned(rows), kThreads, 0, ctx.stream>>>(static_cast<const T*>(x),
                                                                       len, static_cast<T*>(out));
    TESSEL_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace tessel::kernels
