// The CUDA caching allocator: engine/block_allocator.h's pools over cudaMalloc, one per device.
// Memory is taken from the driver in segments and kept; freed blocks are handed out again
// without a cudaMalloc/cudaFree, on the stream they were allocated on.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/device.h"
#include "engine/block_allocator.h"

namespace tessel::cuda {

using tessel::MemoryStats;

// Allocates on the device's current stream (see context.h).
void* allocator_raw_alloc(size_t nbytes, Device device);
void allocator_raw_free(void* ptr, Device device);

MemoryStats memory_stats(int device = 0);
void reset_peak_memory_stats(int device = 0);
// Returns every fully free segment of every device to the driver.
void empty_cache();

}  // namespace tessel::cuda
