#include "engine/storage.h"

#include <atomic>

#include "core/error.h"
#include "engine/cuda/caching_allocator.h"

namespace tessel {

Storage::Storage(void* data, size_t nbytes, Device device)
    : data_(data), nbytes_(nbytes), device_(device) {
  static std::atomic<uint64_t> next_id{0};
  id_ = next_id.fetch_add(1, std::memory_order_relaxed);
}

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  void* p =
      device.is_cpu() ? cpu::aligned_alloc(nbytes) : cuda::allocator_raw_alloc(nbytes, device);
  return std::shared_ptr<Storage>(new Storage(p, nbytes, device));
}

Storage::~Storage() {
  if (device_.is_cpu())
    cpu::aligned_free(data_, nbytes_);
  else
    cuda::allocator_raw_free(data_, device_);
}

}  // namespace tessel
