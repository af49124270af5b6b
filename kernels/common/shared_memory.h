// Shared memory a launch may ask for, decided on the host so it can be tested without a GPU. A
// block's shared memory is the kernel's static arrays plus the dynamic bytes of the launch; the
// sum may reach 48 KB by default and the device's opt-in limit (227 KB on H100 and H200) once
// the kernel is opted in with cudaFuncAttributeMaxDynamicSharedMemorySize.
#pragma once

#include <cstddef>

namespace tessel::kernels {

inline constexpr size_t kDefaultSharedPerBlock = 48 * 1024;

struct SharedBudget {
  size_t static_bytes = 0;   // the kernel's __shared__ arrays (cudaFuncAttributes::sharedSizeBytes)
  size_t dynamic_bytes = 0;  // the launch's third argument
  size_t optin_limit = 0;    // cudaDevAttrMaxSharedMemoryPerBlockOptin

  size_t total() const { return static_bytes + dynamic_bytes; }
  bool fits() const { return total() <= optin_limit; }
  // Over the default, the kernel must be opted in before it launches.
  bool needs_optin() const { return total() > kDefaultSharedPerBlock; }
  // What may be asked for dynamically at most.
  size_t max_dynamic() const { return optin_limit > static_bytes ? optin_limit - static_bytes : 0; }
};

}  // namespace tessel::kernels
