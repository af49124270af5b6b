// Dynamic shared memory for a launch: the budget of kernels/common/shared_memory.h filled in
// from the kernel's attributes and the device's opt-in limit, and the opt-in itself.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

#include "core/cuda_check.h"
#include "kernels/common/shared_memory.h"

namespace tessel::kernels {

// The shared-memory budget of launching `kernel` on `device` with `dynamic` bytes.
template <typename Kernel>
SharedBudget shared_budget(Kernel* kernel, int device, size_t dynamic) {
  cudaFuncAttributes attributes{};
  TESSEL_CUDA_CHECK(cudaFuncGetAttributes(&attributes, kernel));
  int optin = 0;
  TESSEL_CUDA_CHECK(
      cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  return {attributes.sharedSizeBytes, dynamic, size_t(optin)};
}

// Opts `kernel` in to `budget`'s dynamic bytes when they are over the default; the budget must
// fit (check fits() first and say what does not).
template <typename Kernel>
void allow_dynamic_shared(Kernel* kernel, const SharedBudget& budget) {
  if (budget.needs_optin())
    TESSEL_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                           int(budget.dynamic_bytes)));
}

}  // namespace tessel::kernels
