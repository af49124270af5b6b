// Files for weights and checkpoints: a read-only memory map, and a writer whose file appears
// whole or not at all. POSIX. Errors throw tessel::Error "<who>: <path>: <what>: <system reason>",
// `who` naming the caller (e.g. "read_safetensors").
#pragma once

#include <cstddef>
#include <string>

namespace tessel::nn {

// The whole of a file mapped read-only. The descriptor is closed once the mapping exists; the
// mapping lives as long as this object.
class MappedFile {
 public:
  MappedFile(const std::string& path, const std::string& who);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const char* data() const { return static_cast<const char*>(addr_); }
  size_t size() const { return size_; }

 private:
  void* addr_ = nullptr;  // nullptr for an empty file
  size_t size_ = 0;
};

// Writes `path` atomically: bytes go to a new temporary file in the same directory; commit()
// flushes it to disk (fsync), renames it over `path` and syncs the directory. Destroyed without a
// commit (an exception mid-way), it removes the temporary file and `path` is left as it was.
class AtomicFile {
 public:
  AtomicFile(std::string path, const std::string& who);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t nbytes);
  void commit();
  const std::string& temp_path() const { return temp_; }

 private:
  std::string path_, temp_, where_;  // where_: "<who>: <path>" for errors
  int fd_ = -1;
  size_t written_ = 0;
  bool committed_ = false;
};

}  // namespace tessel::nn
