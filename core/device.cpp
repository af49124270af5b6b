#include "core/device.h"

#include "core/error.h"

#if TESSEL_WITH_CUDA
#include <cuda_runtime.h>
#endif

namespace tessel {

Device::Device(const std::string& spec) {
  if (spec == "cpu") return;
  TESSEL_CHECK(spec.rfind("cuda", 0) == 0, "Device: unknown device '", spec,
               "' (expected cpu, cuda or cuda:N)");
  type = DeviceType::CUDA;
  if (spec.size() > 4) {
    TESSEL_CHECK(spec[4] == ':' && spec.size() > 5, "Device: malformed device '", spec, "'");
    size_t used = 0;
    index = std::stoi(spec.substr(5), &used);
    TESSEL_CHECK(used == spec.size() - 5 && index >= 0, "Device: malformed device '", spec, "'");
  }
}

std::string Device::str() const {
  return is_cpu() ? "cpu" : "cuda:" + std::to_string(index);
}

namespace cuda {
int device_count() {
#if TESSEL_WITH_CUDA
  static const int count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      (void)cudaGetLastError();  // no driver or no GPU: report zero devices, never fail
      return 0;
    }
    return n;
  }();
  return count;
#else
  return 0;
#endif
}

std::string device_name(int index) {
#if TESSEL_WITH_CUDA
  cudaDeviceProp prop{};
  if (index >= 0 && index < device_count() && cudaGetDeviceProperties(&prop, index) == cudaSuccess)
    return prop.name;
  (void)cudaGetLastError();
#endif
  (void)index;
  return "";
}
}  // namespace cuda

}  // namespace tessel
