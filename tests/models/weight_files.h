// Weight files for the tests of model.backbone_weights and model.weights: the state dict key
// lists of tests/fixtures/weights/ as safetensors files of zeros, converted by
// tools/convert_weights.py or as the library names them.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "nn/safetensors.h"
#include "tests/data/temp_dir.h"
#include "tests/fixture.h"

namespace tessel::models::testing {

using tessel::testing::fixture_path;
using tessel::testing::TempDir;

// tools/convert_weights.py needs python3 (and no PyTorch for a shape list).
inline bool have_python() {
  return std::system("python3 -c pass > /dev/null 2>&1") == 0;
}

// Runs tools/convert_weights.py FIXTURE OUT --from SOURCE, for tests/fixtures/weights/FIXTURE.txt,
// writing OUT in `dir`: its exit status, and what it printed on stderr in `messages`.
inline int run_convert(const TempDir& dir, const std::string& fixture, const std::string& source,
                       std::string& messages) {
  std::string errors = dir.path(fixture + ".stderr");
  std::string command = "python3 " + fixture_path("../../tools/convert_weights.py") + " " +
                        fixture_path("weights/" + fixture + ".txt") + " " +
                        dir.path(fixture + ".safetensors") + " --from " + source +
                        " > /dev/null 2> " + errors;
  int status = std::system(command.c_str());
  std::ifstream in(errors);
  messages.assign(std::istreambuf_iterator<char>(in), {});
  return status;
}

// The file convert_weights.py writes from FIXTURE, which it must convert.
inline std::string convert(const TempDir& dir, const std::string& fixture,
                           const std::string& source) {
  std::string messages;
  EXPECT_EQ(run_convert(dir, fixture, source, messages), 0) << fixture << ": " << messages;
  return dir.path(fixture + ".safetensors");
}

// Zeros of the shapes of tests/fixtures/weights/FIXTURE.txt named as there (a checkpoint not
// converted), written to a file in `dir`.
inline std::string unconverted(const TempDir& dir, const std::string& fixture) {
  std::ifstream in(fixture_path("weights/" + fixture + ".txt"));
  nn::StateDict dict;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("#")) continue;
    std::istringstream ls(line);
    std::string name, dtype;
    size_t ndim = 0;
    ls >> name >> dtype >> ndim;
    Shape shape(ndim);
    for (auto& s : shape) ls >> s;
    dict.insert(name, zeros(shape, dtype == "I64" ? DType::I64 : DType::F32));
  }
  std::string out = dir.path(fixture + "_raw.safetensors");
  nn::write_safetensors(out, dict);
  return out;
}

}  // namespace tessel::models::testing
