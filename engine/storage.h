// A refcounted buffer on one device. Tensors (and their views) share one Storage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/device.h"
#include "engine/cpu_allocator.h"

namespace tessel {

class Storage {
 public:
  // Bytes come from the CPU allocator (engine/cpu_allocator.h) or the device's CUDA caching
  // allocator.
  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

  // Bumped by every in-place write; autograd compares it with the value seen when a tensor was
  // saved, so a backward never reads data that changed under it.
  uint64_t version() const { return version_; }
  void bump_version() { ++version_; }

  // Unique over the process's life, unlike the address, which a later storage may reuse: the
  // tracer (engine/trace.h) names values by it without keeping them alive.
  uint64_t id() const { return id_; }

 private:
  Storage(void* data, size_t nbytes, Device device);
  void* data_;
  size_t nbytes_;
  Device device_;
  uint64_t version_ = 0;
  uint64_t id_;
};

}  // namespace tessel
