#include "engine/storage.h"

#include <cstdlib>

#include "engine/cuda/caching_allocator.h"
#include "engine/error.h"

namespace tessel {

namespace cpu {
void* aligned_alloc(size_t nbytes) {
  size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  TESSEL_CHECK(p != nullptr, "CPU allocator: out of memory allocating ", nbytes, " bytes");
  return p;
}
void aligned_free(void* p) {
  std::free(p);
}
}  // namespace cpu

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  void* p =
      device.is_cpu() ? cpu::aligned_alloc(nbytes) : cuda::allocator_raw_alloc(nbytes, device);
  return std::shared_ptr<Storage>(new Storage(p, nbytes, device));
}

Storage::~Storage() {
  if (device_.is_cpu())
    cpu::aligned_free(data_);
  else
    cuda::allocator_raw_free(data_, device_);
}

}  // namespace tessel
