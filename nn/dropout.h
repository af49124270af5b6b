// Dropout and Dropout2d, as torch.nn: active in training mode only (the module's flag), kept
// values scaled by 1 / (1 - p). Masks come from `generator`, or the engine's seeded default one.
#pragma once

#include "engine/ops/random.h"
#include "nn/module.h"

namespace tessel::nn {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& x) override;  // zeroes elements
  std::string extra_repr() const override;
  double p;
  Generator* generator = nullptr;

 protected:
  Dropout(const char* type_name, double p);
};

// Zeroes whole channels of (N, C, H, W) inputs.
class Dropout2d : public Dropout {
 public:
  explicit Dropout2d(double p = 0.5);
  Tensor forward(const Tensor& x) override;
};

}  // namespace tessel::nn
