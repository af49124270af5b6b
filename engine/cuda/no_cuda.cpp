// Built instead of the CUDA runtime pieces when TESSEL_CUDA=OFF: no device exists, and every
// entry point that needs one says so.
#include "core/error.h"
#include "engine/cuda/caching_allocator.h"
#include "engine/cuda/context.h"
#include "engine/cuda/pinned.h"
#include "engine/storage.h"

namespace tessel::cuda {

#define TESSEL_NO_CUDA(what) TESSEL_FAIL(what, ": Tessel was built without CUDA (TESSEL_CUDA=OFF)")

void* allocator_raw_alloc(size_t, Device) {
  TESSEL_NO_CUDA("CUDA allocator");
}
void allocator_raw_free(void*, Device) {}
MemoryStats memory_stats(int) {
  TESSEL_NO_CUDA("memory_stats");
}
void reset_peak_memory_stats(int) {
  TESSEL_NO_CUDA("reset_peak_memory_stats");
}
void empty_cache() {}
const CudaContext& kernel_context(int) {
  TESSEL_NO_CUDA("kernel_context");
}
Stream current_stream(int) {
  TESSEL_NO_CUDA("current_stream");
}
Stream copy_stream(int) {
  TESSEL_NO_CUDA("copy_stream");
}
cublasContext* cublas_handle(int) {
  TESSEL_NO_CUDA("cublas_handle");
}
cudnnContext* cudnn_handle(int) {
  TESSEL_NO_CUDA("cudnn_handle");
}
void* workspace(int, size_t) {
  TESSEL_NO_CUDA("workspace");
}
void synchronize(int) {
  TESSEL_NO_CUDA("synchronize");
}
void stream_wait(Stream, Stream, int) {
  TESSEL_NO_CUDA("stream_wait");
}
void copy_bytes(void*, bool, int, const void*, bool, int, size_t) {
  TESSEL_NO_CUDA("copy_bytes");
}
// Without CUDA there is nothing to pin: host code that collates into a PinnedBuffer still runs.
PinnedBuffer::PinnedBuffer(size_t nbytes)
    : data_(tessel::cpu::aligned_alloc(nbytes)), nbytes_(nbytes) {}
PinnedBuffer::~PinnedBuffer() {
  release();
}
void PinnedBuffer::release() noexcept {
  tessel::cpu::aligned_free(data_, nbytes_);
  data_ = nullptr;
}
CopyFence::~CopyFence() = default;
void CopyFence::wait() {}
CopyFence copy_to_device_async(int, std::span<const CopyRegion>) {
  TESSEL_NO_CUDA("copy_to_device_async");
}

bool conv_tf32() {
  return false;
}
void set_conv_tf32(bool) {}
bool sync_after_ops() {
  return false;
}
void set_sync_after_ops(bool) {}
void check_after_op(int, const char*, const char*, int) {
  TESSEL_NO_CUDA("check_after_op");
}

DeviceGuard::DeviceGuard(int) : previous_(0) {
  TESSEL_NO_CUDA("DeviceGuard");
}
DeviceGuard::~DeviceGuard() = default;

}  // namespace tessel::cuda
