// Device dispatch for ops: run the CPU or the CUDA version of a kernel call. The CUDA branch is a
// generic lambda, so in a CPU-only build it is never instantiated and links to nothing.
#pragma once

#include "engine/cuda/context.h"
#include "engine/tensor.h"

namespace tessel {

template <typename CpuFn, typename CudaFn>
void on_device(Device device, CpuFn&& cpu_fn, CudaFn&& cuda_fn) {
  if (device.is_cpu()) {
    cpu_fn();
    return;
  }
#if TESSEL_WITH_CUDA
  cuda::DeviceGuard guard(device.index);
  cuda_fn(cuda::current_stream(device.index));
#else
  (void)cuda_fn;
  TESSEL_FAIL("device ", device, ": Tessel was built without CUDA (TESSEL_CUDA=OFF)");
#endif
}

// Argument checks shared by ops; each names the op and the argument.
void check_same_device(const char* op, const Tensor& a, const char* a_name, const Tensor& b,
                       const char* b_name);
void check_dtype(const char* op, const Tensor& t, const char* name, DType expected);
void check_float(const char* op, const Tensor& t, const char* name);
void check_dim(const char* op, const Tensor& t, const char* name, int64_t expected);
// Labels [N, H, W] of u8, i32 or i64.
void check_label_map(const char* op, const Tensor& labels);
// An edge window size: odd and positive.
void check_edge_kernel(const char* op, int64_t k);

}  // namespace tessel
