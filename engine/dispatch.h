// Device dispatch for ops: call a kernel once, with the context of the device (core/context.h).
//   on_device(x.device(), [&](const auto& ctx) { kernels::softmax(ctx, kind, ...); });
// The context's type picks the CPU or the CUDA overload. The call is a generic lambda, so in a
// CPU-only build its CUDA instantiation never happens and links to nothing.
//
// In bring-up mode (TESSEL_CUDA_SYNC=1, or cuda::set_sync_after_ops(true)) each CUDA call is
// followed by a synchronisation and an error check naming the calling op (its function, file
// and line, from the defaulted arguments), so a device fault is blamed on the op that caused it.
// (__builtin_FUNCTION and friends rather than std::source_location, which clang 14 lacks.)
#pragma once

#include "engine/cuda/context.h"
#include "engine/tensor.h"

namespace tessel {

template <typename Fn>
void on_device(Device device, Fn&& fn, const char* function = __builtin_FUNCTION(),
               const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  if (device.is_cpu()) {
    fn(CpuContext{});
    return;
  }
#if TESSEL_WITH_CUDA
  cuda::DeviceGuard guard(device.index);
  fn(cuda::kernel_context(device.index));
  if (cuda::sync_after_ops()) cuda::check_after_op(device.index, function, file, line);
#else
  (void)function, (void)file, (void)line;
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
