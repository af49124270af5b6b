// Layer arguments as PyTorch takes them: a size given as one number or as (height, width), and
// the small formatting helpers that extra_repr() strings are built from.
#pragma once

#include <array>
#include <cstdint>
#include <sstream>
#include <string>

#include "engine/tensor.h"

namespace tessel::nn {

// `3` or `{3, 5}`, as PyTorch's _size_2_t; remembers which was given, so that a pooling layer
// prints `kernel_size=3` or `kernel_size=(3, 5)` as PyTorch does.
struct Int2 {
  Int2(int64_t v) : h(v), w(v), scalar(true) {}  // NOLINT: implicit, as in PyTorch
  Int2(int64_t height, int64_t width) : h(height), w(width), scalar(false) {}
  operator Size2() const { return {h, w}; }  // NOLINT
  std::string str() const { return scalar ? std::to_string(h) : size2_str({h, w}); }
  int64_t h, w;
  bool scalar;
};

// `2.0` or `{2.0, 1.5}`, for scale factors.
struct Float2 {
  Float2(double v) : h(v), w(v), scalar(true) {}  // NOLINT
  Float2(double height, double width) : h(height), w(width), scalar(false) {}
  std::string str() const;
  double h, w;
  bool scalar;
};

// Python's repr of a float (2.0, 0.1, 1e-05) and of a bool (True, False).
std::string repr(double v);
inline std::string repr(bool v) {
  return v ? "True" : "False";
}

}  // namespace tessel::nn
