#include "engine/cuda/caching_allocator.h"

#include <cuda_runtime.h>

#include <memory>
#include <mutex>
#include <vector>

#include "core/cuda_check.h"
#include "engine/block_allocator.h"
#include "engine/cuda/context.h"

namespace tessel::cuda {
namespace {

// One device's memory as the driver gives it.
class CudaMemory final : public DeviceMemory {
 public:
  explicit CudaMemory(int device) : device_(device) {}
  void* malloc(size_t bytes) override {
    DeviceGuard guard(device_);
    void* p = nullptr;
    if (cudaMalloc(&p, bytes) == cudaSuccess) return p;
    (void)cudaGetLastError();  // an out-of-memory error is not sticky: clear it and say so
    return nullptr;
  }
  void free(void* ptr) override {
    DeviceGuard guard(device_);
    TESSEL_CUDA_WARN(cudaFree(ptr));
  }
  size_t free_bytes() override { return info().first; }
  size_t total_bytes() override { return info().second; }

 private:
  std::pair<size_t, size_t> info() {
    DeviceGuard guard(device_);
    size_t free_b = 0, total_b = 0;
    (void)cudaMemGetInfo(&free_b, &total_b);
    return {free_b, total_b};
  }
  int device_;
};

struct DeviceAllocator {
  explicit DeviceAllocator(int device)
      : memory(device), blocks(memory, "cuda:" + std::to_string(device)) {}
  CudaMemory memory;
  BlockAllocator blocks;
};

BlockAllocator& allocator_for(int device) {
  static std::mutex mutex;
  // Leaked on purpose: tensors freed during static destruction must still find their pool.
  static auto* allocators = new std::vector<std::unique_ptr<DeviceAllocator>>();
  std::lock_guard<std::mutex> lock(mutex);
  TESSEL_CHECK(device >= 0 && device < device_count(), "CUDA allocator: device cuda:", device,
               " does not exist (", device_count(), " CUDA devices)");
  if (allocators->empty()) allocators->resize(size_t(device_count()));
  auto& a = (*allocators)[size_t(device)];
  if (!a) a = std::make_unique<DeviceAllocator>(device);
  return a->blocks;
}

}  // namespace

void* allocator_raw_alloc(size_t nbytes, Device device) {
  TESSEL_CHECK(device.is_cuda(), "CUDA allocator: device ", device, " is not a CUDA device");
  return allocator_for(device.index).allocate(nbytes, current_stream(device.index));
}

void allocator_raw_free(void* ptr, Device device) {
  allocator_for(device.index).free(ptr);
}

MemoryStats memory_stats(int device) {
  return allocator_for(device).stats();
}
void reset_peak_memory_stats(int device) {
  allocator_for(device).reset_peak();
}
void empty_cache() {
  for (int d = 0; d < device_count(); ++d) allocator_for(d).release_cached();
}

}  // namespace tessel::cuda
