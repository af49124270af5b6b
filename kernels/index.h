// Indexing along one dim (gather, index_select): out = src[..., index[...], ...].
//
// Forward plan {out, index, src} over the output's shape: the index operand holds, at each
// output position, the source coordinate along the indexed dim; the src operand has stride 0
// along that dim, and the kernel adds index * src_stride.
//
// Backward is a scatter-add made deterministic without atomics: the plan {grad_out, index,
// grad_src} runs over "columns" (the output's shape with the indexed dim set to 1), and each
// column walks its k entries in order. Two entries can hit the same source element only within
// one column, so columns never race and every sum has a fixed order. Parallelism is the number
// of columns: a 1-D index runs serially. grad_src has the accumulation type (f32 for f16/bf16).
//
// When the index is a permutation along the dim (sort's indices), the backward is a plain
// scatter: index_scatter takes the forward's plan {grad_out, index, grad_src} over the output's
// shape and writes each element once, in parallel, in the input's dtype.
//
// Indices are not range-checked here: the op checks them on the CPU; on CUDA an out-of-range
// index is undefined behaviour (not checked on the device).
#pragma once

#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"
#include "kernels/common/strided.h"

namespace tessel::kernels {

struct IndexDim {
  int64_t src_stride = 0;    // stride of src (grad_src) along the indexed dim
  int64_t k = 0;             // backward: entries per column
  int64_t out_k_stride = 0;  // backward: strides of grad_out and index along the column
  int64_t index_k_stride = 0;
};

void index_gather(const CpuContext&, const StridedPlan<3>& p, const IndexDim& d, DType type,
                  void* out, DType index_type, const void* index, const void* src);
void index_scatter_add(const CpuContext&, const StridedPlan<3>& p, const IndexDim& d, DType type,
                       const void* grad_out, DType index_type, const void* index, void* grad_src);
void index_scatter(const CpuContext&, const StridedPlan<3>& p, const IndexDim& d, DType type,
                   const void* grad_out, DType index_type, const void* index, void* grad_src);

void index_gather(const CudaContext&, const StridedPlan<3>& p, const IndexDim& d, DType type,
                  void* out, DType index_type, const void* index, const void* src);
void index_scatter_add(const CudaContext&, const StridedPlan<3>& p, const IndexDim& d, DType type,
                       const void* grad_out, DType index_type, const void* index, void* grad_src);
void index_scatter(const CudaContext&, const StridedPlan<3>& p, const IndexDim& d, DType type,
                   const void* grad_out, DType index_type, const void* index, void* grad_src);

}  // namespace tessel::kernels
