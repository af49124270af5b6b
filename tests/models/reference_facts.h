// Checks a model's state dict against facts a generator script wrote with key_lines() and
// fnv1a32() of tests/fixtures/gen_torchvision_models.py: "<name>.num_params", ".num_keys" and
// ".keys_fnv1a" (the hash of its "key:d0,d1\n" lines). On a mismatch it prints our lines, to diff
// against the script's.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/models/torchvision_facts.h"

namespace tessel::testing {

inline void expect_state_dict_matches(const nn::Module& model,
                                      const std::map<std::string, Tensor>& facts,
                                      const std::string& name) {
  std::string joined;
  int64_t count = 0;
  for (const std::string& l : key_lines(model)) {
    joined += l + "\n";
    ++count;
  }
  EXPECT_EQ(model.num_parameters(), int64_t(facts.at(name + ".num_params").item())) << name;
  EXPECT_EQ(count, int64_t(facts.at(name + ".num_keys").item())) << name;
  EXPECT_EQ(fnv1a32(joined), uint32_t(facts.at(name + ".keys_fnv1a").item()))
      << name << ": state dict names or shapes differ from the reference's; ours:\n"
      << joined;
}

}  // namespace tessel::testing
