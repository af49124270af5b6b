// Row-wise sort and prefix sum over a contiguous [rows, len] buffer, the building blocks of the
// rank-based losses (Lovász, OHEM). f32 and f64 only: those losses run in the accumulation type.
//
// sort_rows is stable (equal keys keep their order, ascending or descending), so results are
// deterministic and the two backends agree on ties. It writes the sorted keys and, per entry, the
// i64 position within its row it came from.
#pragma once

#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"
#include "kernels/common/split.h"

namespace tessel::kernels {

void sort_rows(const CpuContext&, DType type, const void* keys, int64_t rows, int64_t len,
               bool descending, void* sorted, int64_t* index);
void cumsum_rows(const CpuContext&, DType type, const void* x, int64_t rows, int64_t len,
                 void* out);

// How the CUDA kernels share the rows out, decided from the shape alone (so every GPU gives the
// same bits), and testable on the host.
//
// CUB's segmented sort sorts a long segment inside one block, so a single long row (OHEM sorts
// every pixel of the batch) would run on one SM: rows from kLongRow elements up get a device-wide
// radix sort each, which is stable too.
inline constexpr int64_t kLongRow = int64_t(1) << 16;
inline bool sort_row_by_row(int64_t len) {
  return len >= kLongRow;
}

// The running sum cuts each row into pieces (kernels/common/split.h), one block each: the
// pieces' totals, a scan of those per row, then each piece scanned from the sum of the pieces
// before it. Every addition has a fixed place, so the result is deterministic (unlike a
// decoupled look-back scan). Few long rows get about 1024 blocks; pieces are whole 256-element
// tiles of at least 16 tiles.
inline constexpr int64_t kCumsumBlocks = 1024;
inline constexpr int64_t kCumsumTile = 256;

inline RowSplit cumsum_split(int64_t rows, int64_t len) {
  return split_rows(rows, len, kCumsumBlocks, 16 * kCumsumTile, kCumsumTile);
}

// CUB's sorts; their scratch comes from the device's workspace.
void sort_rows(const CudaContext&, DType type, const void* keys, int64_t rows, int64_t len,
               bool descending, void* sorted, int64_t* index);
void cumsum_rows(const CudaContext&, DType type, const void* x, int64_t rows, int64_t len,
                 void* out);

}  // namespace tessel::kernels
