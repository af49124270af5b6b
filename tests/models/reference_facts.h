// Checks a model against facts a generator script wrote with state_dict_facts() and
// closed_form_outputs() of tests/fixtures/gen_torchvision_models.py: its state dict
// ("<name>.num_params", ".num_keys" and ".keys_fnv1a", the hash of its "key:d0,d1\n" lines; on a
// mismatch it prints our lines, to diff against the script's), and its outputs under the
// closed-form weights ("<name>.<head>").
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "models/segmentation_model.h"
#include "tests/models/closed_form_init.h"
#include "tests/models/torchvision_facts.h"
#include "tests/op_harness.h"

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

// f32 here against float64 in PyTorch: the model's heads, which must be `heads`, in eval mode under
// closed_form_init() on closed_form_input(size), every `step`-th row and column, within 1e-4
// relative (and 1e-4 of the head's largest magnitude).
inline void expect_outputs_equal_reference(models::SegmentationModel& model,
                                           const std::map<std::string, Tensor>& facts,
                                           const std::string& name,
                                           const std::vector<std::string>& heads, int64_t step,
                                           int64_t size = 64) {
  closed_form_init(model);
  model.eval();
  NoGradGuard no_grad;
  models::Outputs y = model.forward_outputs(closed_form_input(size));
  ASSERT_EQ(y.keys(), heads) << name;
  for (const auto& [head, t] : y) {
    Tensor expected = facts.at(name + "." + head);
    Tensor sampled = t.slice(2, 0, t.size(2), step).slice(3, 0, t.size(3), step);
    EXPECT_TRUE(all_close(sampled, expected, 1e-4, 1e-4 * max(abs(expected)).item()))
        << name << " " << head;
  }
}

}  // namespace tessel::testing
