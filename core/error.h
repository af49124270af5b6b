// Errors: every failed check throws tessel::Error carrying the file, the line and the values
// that made it fail, so a message alone is enough to find the op and the argument at fault.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace tessel {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

template <typename... Args>
[[noreturn]] void throw_error(const char* file, int line, const Args&... args) {
  throw Error(str_cat(args..., " (", file, ":", line, ")"));
}
}  // namespace detail

}  // namespace tessel

// TESSEL_CHECK(cond, "op: argument 'x' has ", n, " dims, expected 4")
#define TESSEL_CHECK(cond, ...)                                                  \
  do {                                                                           \
    if (!(cond)) ::tessel::detail::throw_error(__FILE__, __LINE__, __VA_ARGS__); \
  } while (0)

#define TESSEL_FAIL(...) ::tessel::detail::throw_error(__FILE__, __LINE__, __VA_ARGS__)
