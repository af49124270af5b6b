// Where a tensor lives: the CPU or one CUDA device.
#pragma once

#include <ostream>
#include <string>

namespace tessel {

enum class DeviceType : uint8_t { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;

  Device() = default;
  Device(DeviceType t, int i = 0) : type(t), index(i) {}
  // "cpu", "cuda", "cuda:1"
  explicit Device(const std::string& spec);

  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  bool operator==(const Device&) const = default;
  std::string str() const;
};

inline const Device kCPU{DeviceType::CPU, 0};
inline Device cuda_device(int i = 0) {
  return Device(DeviceType::CUDA, i);
}
inline std::ostream& operator<<(std::ostream& os, const Device& d) {
  return os << d.str();
}

namespace cuda {
// Number of usable CUDA devices: 0 without a driver, a GPU or a CUDA build; never throws.
int device_count();
inline bool is_available() {
  return device_count() > 0;
}
// "NVIDIA H100 80GB HBM3" for a device that exists; "" otherwise. Never throws.
std::string device_name(int index);
}  // namespace cuda

}  // namespace tessel
