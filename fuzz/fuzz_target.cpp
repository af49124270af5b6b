#include "fuzz/fuzz_target.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/error.h"

namespace tessel::fuzz {

namespace fs = std::filesystem;

namespace {

// The scratch folder, removed when the process ends normally.
struct Scratch {
  std::string path;
  Scratch() {
    std::string pattern = (fs::temp_directory_path() / "tessel-fuzz-XXXXXX").string();
    TESSEL_CHECK(::mkdtemp(pattern.data()) != nullptr, "fuzz: cannot create a folder in ",
                 fs::temp_directory_path().string());
    path = pattern;
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

}  // namespace

std::map<std::string, Target>& targets() {
  static std::map<std::string, Target> all;
  return all;
}

bool add_target(const std::string& name, Target target) {
  return targets().emplace(name, std::move(target)).second;
}

const std::string& scratch_dir() {
  static Scratch scratch;
  return scratch.path;
}

std::string write_input(const std::string& name, std::string_view input) {
  const std::string path = scratch_dir() + "/" + name;
  fs::create_directories(fs::path(path).parent_path());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  TESSEL_CHECK(fd >= 0, "fuzz: cannot write ", path);
  for (size_t done = 0; done < input.size();) {
    const ssize_t n = ::write(fd, input.data() + done, input.size() - done);
    if (n <= 0) {
      ::close(fd);
      TESSEL_FAIL("fuzz: writing ", path, " failed");
    }
    done += size_t(n);
  }
  ::close(fd);
  return path;
}

void expect_clean(const std::string& must_name, const std::function<void()>& parse) {
  try {
    parse();
  } catch (const Error& e) {
    if (std::string_view(e.what()).find(must_name) == std::string_view::npos) {
      // A refusal that does not say which file is at fault is a finding too.
      std::fprintf(stderr, "fuzz: the error does not name '%s': %s\n", must_name.c_str(), e.what());
      std::abort();
    }
  }
}

}  // namespace tessel::fuzz
