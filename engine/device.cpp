#include "engine/device.h"

#include "engine/error.h"

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

}  // namespace tessel
