#include "nn/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <system_error>
#include <utility>

#include "core/error.h"

namespace tessel::nn {

namespace {

std::string reason() {
  return std::generic_category().message(errno);
}

// Closes a descriptor on scope exit unless released.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

InputFile::InputFile(const std::string& path, const std::string& who) : where_(who + ": " + path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  TESSEL_CHECK(f.fd >= 0, where_, ": cannot open: ", reason());
  struct stat st;
  TESSEL_CHECK(::fstat(f.fd, &st) == 0, where_, ": cannot stat: ", reason());
  TESSEL_CHECK(S_ISREG(st.st_mode), where_, ": not a regular file");
  size_ = uint64_t(st.st_size);
  std::swap(fd_, f.fd);  // ours now
}

InputFile::~InputFile() {
  ::close(fd_);
}

void InputFile::read(uint64_t offset, void* dst, size_t nbytes) const {
  char* p = static_cast<char*>(dst);
  for (size_t done = 0; done < nbytes;) {
    ssize_t n = ::pread(fd_, p + done, nbytes - done, off_t(offset + done));
    if (n < 0 && errno == EINTR) continue;
    TESSEL_CHECK(n > 0, where_, ": reading bytes [", offset, ", ", offset + nbytes, ") failed at ",
                 offset + done, ": ",
                 n == 0 ? "the file ends there (truncated while being read?)" : reason());
    done += size_t(n);
  }
}

AtomicFile::AtomicFile(std::string path, const std::string& who)
    : path_(std::move(path)), where_(who + ": " + path_) {
  // A name no other writer uses: pid and a process-wide counter, created exclusively (mode 0666
  // less the umask, as for any new file).
  static std::atomic<uint64_t> counter{0};
  std::string dir = dir_of(path_), base = path_.substr(path_.rfind('/') + 1);
  TESSEL_CHECK(!base.empty(), where_, ": not a file name");
  for (int attempt = 0; fd_ < 0; ++attempt) {
    temp_ =
        dir + "/." + base + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    TESSEL_CHECK(fd_ >= 0 || (errno == EEXIST && attempt < 100), where_,
                 ": cannot create the temporary file ", temp_, ": ", reason());
  }
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_.c_str());
}

void AtomicFile::write(const void* data, size_t nbytes) {
  TESSEL_CHECK(fd_ >= 0, where_, ": write after commit");
  const char* p = static_cast<const char*>(data);
  while (nbytes > 0) {
    ssize_t n = ::write(fd_, p, nbytes);
    if (n < 0 && errno == EINTR) continue;
    TESSEL_CHECK(n > 0, where_, ": writing the temporary file ", temp_, " failed after ", written_,
                 " bytes: ", n == 0 ? "no progress" : reason());
    p += n, nbytes -= size_t(n), written_ += size_t(n);
  }
}

void AtomicFile::commit() {
  TESSEL_CHECK(fd_ >= 0, where_, ": commit twice");
  TESSEL_CHECK(::fsync(fd_) == 0, where_, ": fsync of ", temp_, " failed: ", reason());
  int fd = fd_;
  fd_ = -1;
  TESSEL_CHECK(::close(fd) == 0, where_, ": closing ", temp_, " failed: ", reason());
  TESSEL_CHECK(::rename(temp_.c_str(), path_.c_str()) == 0, where_, ": renaming ", temp_,
               " over it failed: ", reason());
  committed_ = true;
  // The rename itself reaches the disk when the directory is synced.
  Fd dir{::open(dir_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  TESSEL_CHECK(dir.fd >= 0 && ::fsync(dir.fd) == 0, where_,
               ": written, but syncing its directory failed: ", reason());
}

void write_text_atomically(const std::string& path, const std::string& text,
                           const std::string& who) {
  AtomicFile file(path, who);
  file.write(text.data(), text.size());
  file.commit();
}

}  // namespace tessel::nn
