#include "engine/storage.h"

#include "core/error.h"
#include "engine/cuda/caching_allocator.h"

namespace tessel {

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
