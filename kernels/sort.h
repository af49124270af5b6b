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

namespace tessel::kernels {

void sort_rows(const CpuContext&, DType type, const void* keys, int64_t rows, int64_t len,
               bool descending, void* sorted, int64_t* index);
void cumsum_rows(const CpuContext&, DType type, const void* x, int64_t rows, int64_t len,
                 void* out);

// A segmented radix sort (CUB); its scratch comes from the device's workspace.
void sort_rows(const CudaContext&, DType type, const void* keys, int64_t rows, int64_t len,
               bool descending, void* sorted, int64_t* index);
// One block per row, scanning the row in tiles.
void cumsum_rows(const CudaContext&, DType type, const void* x, int64_t rows, int64_t len,
                 void* out);

}  // namespace tessel::kernels
