// The CUDA caching allocator: device memory is taken from the driver in segments and kept;
// freed blocks go back to a pool and are handed out again without a cudaMalloc/cudaFree.
//
//  - Sizes are rounded up to 512 B. Requests up to 1 MiB come from the small pool (2 MiB
//    segments); larger ones from the large pool (20 MiB segments below 10 MiB, else the size
//    rounded to 2 MiB). A block larger than the request is split, and a freed block merges with
//    free neighbours of its segment.
//  - Blocks are reused only on the stream they were allocated on, so stream order alone
//    guarantees the previous user is done with them.
//  - When cudaMalloc fails, every fully free segment is released and the call is retried once;
//    a second failure throws an error naming the requested, free and reserved bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/device.h"

namespace tessel::cuda {

struct MemoryStats {
  int64_t allocated = 0;  // bytes in blocks handed out now
  int64_t peak_allocated = 0;
  int64_t reserved = 0;  // bytes held from the driver (allocated + cached)
  int64_t peak_reserved = 0;
  int64_t num_allocs = 0;          // allocate() calls
  int64_t num_device_mallocs = 0;  // of which needed a cudaMalloc
  int64_t num_ooms = 0;
};

// Allocates on the device's current stream (see context.h).
void* allocator_raw_alloc(size_t nbytes, Device device);
void allocator_raw_free(void* ptr, Device device);

MemoryStats memory_stats(int device = 0);
void reset_peak_memory_stats(int device = 0);
// Returns every fully free segment of every device to the driver.
void empty_cache();

}  // namespace tessel::cuda
