// Files for weights and checkpoints: a reader, and a writer whose file appears whole or not at
// all. POSIX. Errors throw tessel::Error "<who>: <path>: <what>: <system reason>",
// `who` naming the caller (e.g. "read_safetensors").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tessel::nn {

// A file read with pread at the offsets asked for, straight into the caller's memory. Not a
// memory map: a file truncated while mapped kills the reader with SIGBUS, where a short read here
// is an Error naming the file.
class InputFile {
 public:
  InputFile(const std::string& path, const std::string& who);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  uint64_t size() const { return size_; }  // when opened
  // Exactly `nbytes` from `offset` into `dst`; an Error naming the file when they are not there.
  void read(uint64_t offset, void* dst, size_t nbytes) const;

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string where_;  // "<who>: <path>"
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

// `text` as the whole of `path`, through AtomicFile: the old file stays until the new one is
// complete. `who` names the caller in errors.
void write_text_atomically(const std::string& path, const std::string& text,
                           const std::string& who);

}  // namespace tessel::nn
