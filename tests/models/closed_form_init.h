// Weights without files: every tensor of a state dict set from closed-form values, exactly as
// fill() and closed_form_input() in tests/fixtures/gen_torchvision_models.py do (keep them
// identical), so a network's output can be compared with torchvision's without shipping weights.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "engine/ops.h"
#include "nn/module.h"

namespace tessel::testing {

// Tensor k of the state dict (integer ones skipped but counted) gets v_i = sin(1.618 k + 0.7071 i),
// scaled by its role: weights of >= 2 dims by sqrt(2 / fan_in); norm scales 1 + 0.1 v; running
// variances 1 + 0.5 v; biases and running means 0.1 v.
inline void closed_form_init(const nn::Module& model) {
  auto ends_with = [](const std::string& s, const std::string& end) {
    return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
  };
  NoGradGuard no_grad;
  int64_t k = -1;
  for (const auto& [key, t] : model.state_dict()) {
    ++k;
    if (!is_floating(t.dtype())) continue;
    std::vector<double> v(static_cast<size_t>(t.numel()));
    for (size_t i = 0; i < v.size(); ++i) {
      double s = std::sin(double(k) * 1.618 + double(i) * 0.7071);
      if (t.dim() >= 2)
        v[i] = s * std::sqrt(2.0 / double(t.numel() / t.size(0)));
      else if (ends_with(key, "running_var"))
        v[i] = 1 + 0.5 * s;
      else if (ends_with(key, "running_mean") || ends_with(key, "bias"))
        v[i] = 0.1 * s;
      else
        v[i] = 1 + 0.1 * s;
    }
    Tensor alias = t;  // shares the module's storage
    alias.copy_(from_vector(v, t.sizes(), DType::F64));
  }
}

// [1, 3, 64, 64] f32 with x_i = sin(0.37 i).
inline Tensor closed_form_input(int64_t size = 64) {
  std::vector<double> v(size_t(3 * size * size));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.37 * double(i));
  return from_vector(v, {1, 3, size, size}, DType::F32);
}

}  // namespace tessel::testing
