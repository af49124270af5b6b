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
// Work queued on `waiter` after this call waits for the work queued on `producer` (a stream of
// `producer_device`) so far; the host does not wait.
void stream_wait(Stream waiter, Stream producer, int producer_device);
// Copies bytes between host and device or between devices, in stream order. A copy from or to
// the host returns once the host may use or reuse its memory; a copy between two devices returns
// at once, ordered after the work queued on both devices' streams and before their later work.
void copy_bytes(void* dst, bool dst_is_cuda, int dst_device, const void* src, bool src_is_cuda,
                int src_device, size_t nbytes);

// Whether f32 convolutions may run on cuDNN's tensor-core kernels in TF32 (10-bit mantissa
// products, f32 sums): faster on H100, but no longer exact f32. Off by default; a recipe turns it
// on with train.tf32_conv.
bool conv_tf32();
void set_conv_tf32(bool on);

// Bring-up mode: whether ops synchronise and check for errors after their CUDA work (see
// engine/dispatch.h). Starts as TESSEL_CUDA_SYNC says (0 or 1, default 0).
bool sync_after_ops();
void set_sync_after_ops(bool on);
// Waits for `device`'s stream and throws if the device reported an error, naming the op's
// function, file and line.
void check_after_op(int device, const char* function, const char* file, int line);

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
