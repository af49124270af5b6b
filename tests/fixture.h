// Reads the golden fixtures written by tests/fixtures/fixture_io.py (PyTorch outputs).
#pragma once

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "engine/ops.h"

namespace tessel::testing {

// A file under tests/fixtures. The environment variable TESSEL_FIXTURES overrides the folder
// compiled in, for a test binary run from another checkout (tools/gpu_check.sh on a GPU machine).
// How many times `what` occurs in `text` (overlaps counted).
inline size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

inline std::string fixture_path(const std::string& file) {
  const char* root = std::getenv("TESSEL_FIXTURES");
  return std::string(root ? root : TESSEL_FIXTURES) + "/" + file;
}

// Tensors of `file` (relative to tests/fixtures) by name, as f64 CPU tensors.
inline std::map<std::string, Tensor> load_fixture(const std::string& file) {
  std::string path = fixture_path(file);
  std::ifstream in(path);
  TESSEL_CHECK(in.good(), "fixture: cannot open ", path);
  std::map<std::string, Tensor> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream ls(line);
    std::string name;
    int64_t ndim = 0;
    ls >> name >> ndim;
    Shape shape(static_cast<size_t>(ndim));
    for (auto& s : shape) ls >> s;
    std::vector<double> v(size_t(shape_numel(shape)));
    for (auto& x : v) ls >> x;
    TESSEL_CHECK(!ls.fail(), "fixture: ", path, ": malformed tensor '", name, "'");
    out[name] = from_vector(v, shape, DType::F64);
  }
  return out;
}

}  // namespace tessel::testing
