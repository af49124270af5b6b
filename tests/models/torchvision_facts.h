// Checks a Tessel model's state dict against torchvision's (tests/fixtures/torchvision_keys.txt
// and torchvision_models.txt, from gen_torchvision_models.py): the full list of names and shapes
// where it is committed, else their count and hash, and the parameter count.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "nn/module.h"
#include "tests/fixture.h"

namespace tessel::testing {

// "key:d0,d1" per state dict entry, as key_lines() in the script.
inline std::vector<std::string> key_lines(const nn::Module& model) {
  std::vector<std::string> lines;
  for (const auto& [key, t] : model.state_dict()) {
    std::string line = key + ":";
    for (int64_t d = 0; d < t.dim(); ++d) {
      if (d) line += ',';  // appended apart: GCC 12 warns (-Wrestrict) on "," + std::string
      line += std::to_string(t.size(d));
    }
    lines.push_back(line);
  }
  return lines;
}

// The committed lines of `model_name` in torchvision_keys.txt ("model key d0 d1 ...").
inline std::vector<std::string> torchvision_key_lines(const std::string& model_name) {
  std::string path = fixture_path("torchvision_keys.txt");
  std::ifstream in(path);
  TESSEL_CHECK(in.good(), "fixture: cannot open ", path);
  std::vector<std::string> lines;
  std::string line, model, key, dim;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    ls >> model >> key;
    if (model != model_name) continue;
    std::string entry = key + ":";
    for (bool first = true; ls >> dim; first = false) entry += (first ? "" : ",") + dim;
    lines.push_back(entry);
  }
  TESSEL_CHECK(!lines.empty(), "fixture: no keys for '", model_name, "' in ", path);
  return lines;
}

inline uint32_t fnv1a32(const std::string& text) {
  uint32_t h = 0x811C9DC5u;
  for (unsigned char c : text) h = (h ^ c) * 0x01000193u;
  return h;
}

// Names, shapes and order of every state dict entry, entry by entry.
inline void expect_keys_equal_torchvision(const nn::Module& model, const std::string& name) {
  std::vector<std::string> ours = key_lines(model), theirs = torchvision_key_lines(name);
  ASSERT_EQ(ours.size(), theirs.size()) << name << ": number of state dict entries";
  for (size_t i = 0; i < ours.size(); ++i)
    ASSERT_EQ(ours[i], theirs[i]) << name << ": state dict entry " << i << " (key:shape)";
}

// Parameter count, entry count and the hash of every "key:shape" line.
inline void expect_counts_equal_torchvision(const nn::Module& model, const std::string& name) {
  static const std::map<std::string, Tensor> facts = load_fixture("torchvision_models.txt");
  std::vector<std::string> lines = key_lines(model);
  std::string joined;
  for (const std::string& l : lines) joined += l + "\n";
  EXPECT_EQ(model.num_parameters(), int64_t(facts.at(name + ".num_params").item())) << name;
  EXPECT_EQ(int64_t(lines.size()), int64_t(facts.at(name + ".num_keys").item())) << name;
  EXPECT_EQ(fnv1a32(joined), uint32_t(facts.at(name + ".keys_fnv1a").item()))
      << name << ": the state dict's names or shapes differ from torchvision's";
}

}  // namespace tessel::testing
