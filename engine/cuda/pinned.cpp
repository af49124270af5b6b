#include "engine/cuda/pinned.h"

#include "core/cuda_check.h"
#include "core/device.h"
#include "engine/cuda/context.h"
#include "engine/storage.h"

namespace tessel::cuda {

PinnedBuffer::PinnedBuffer(size_t nbytes) : nbytes_(nbytes) {
  if (!is_available()) {
    data_ = tessel::cpu::aligned_alloc(nbytes);
    return;
  }
  // The loader's threads allocate with no device made current: Portable pins the buffer for
  // every device's context, not only the one the runtime picks for the thread.
  TESSEL_CUDA_CHECK(cudaHostAlloc(&data_, nbytes == 0 ? 1 : nbytes, cudaHostAllocPortable));
  pinned_ = true;
}

PinnedBuffer::~PinnedBuffer() {
  release();
}

void PinnedBuffer::release() noexcept {
  if (!data_) return;
  if (pinned_)
    TESSEL_CUDA_WARN(cudaFreeHost(data_));
  else
    tessel::cpu::aligned_free(data_, nbytes_);
  data_ = nullptr;
}

CopyFence::~CopyFence() {
  if (event_) TESSEL_CUDA_WARN(cudaEventDestroy(event_));
}

void CopyFence::wait() {
  if (event_) TESSEL_CUDA_CHECK(cudaEventSynchronize(event_));
}

CopyFence copy_to_device_async(int device, std::span<const CopyRegion> regions) {
  DeviceGuard guard(device);
  cudaStream_t compute = current_stream(device), copy = copy_stream(device);
  stream_wait(copy, compute, device);
  for (const CopyRegion& r : regions)
    TESSEL_CUDA_CHECK(cudaMemcpyAsync(r.dst, r.src, r.nbytes, cudaMemcpyHostToDevice, copy));
  cudaEvent_t copied = nullptr;
  TESSEL_CUDA_CHECK(cudaEventCreateWithFlags(&copied, cudaEventDisableTiming));
  CopyFence fence(copied);
  TESSEL_CUDA_CHECK(cudaEventRecord(copied, copy));
  TESSEL_CUDA_CHECK(cudaStreamWaitEvent(compute, copied, 0));
  return fence;
}

}  // namespace tessel::cuda
