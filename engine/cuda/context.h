// Per-device CUDA state: the stream Tessel's work goes on, lazily created cuBLAS and cuDNN
// handles bound to it, and a scratch workspace. Declared with opaque handle types so that
// code which never touches CUDA need not include its headers.
#pragma once

#include <cstddef>

#include "core/context.h"

struct cublasContext;
struct cudnnContext;

namespace tessel::cuda {

// What kernels get passed on `device` (core/context.h): its stream, SM count, and the handles
// and workspace below.
const CudaContext& kernel_context(int device);
// The stream every Tessel op on `device` is queued on (created on first use).
Stream current_stream(int device);
// A second stream per device for host-to-device transfers (pinned.h), so that input copies
// overlap the compute stream's kernels instead of queueing behind them.
Stream copy_stream(int device);
cublasContext* cublas_handle(int device);
cudnnContext* cudnn_handle(int device);
// Scratch memory of at least `nbytes`, valid until the next call on the same device; used by
// cuDNN and cuBLAS in stream order.
void* workspace(int device, size_t nbytes);
void synchronize(int device);
// Copies bytes between host and device or between devices, in stream order; returns once the
// data can be used on the host (device-to-host copies wait for the stream).
void copy_bytes(void* dst, bool dst_is_cuda, int dst_device, const void* src, bool src_is_cuda,
                int src_device, size_t nbytes);

// Makes `device` current for the scope and restores the previous one.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_;
};

}  // namespace tessel::cuda
