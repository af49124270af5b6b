// Activation modules, as torch.nn (no parameters but PReLU's slopes; `inplace` variants are not
// offered since an in-place write would break autograd).
#pragma once

#include <string>

#include "nn/module.h"

namespace tessel::nn {

// A parameterless activation: a name and a function.
class Activation : public Module {
 public:
  using Fn = Tensor (*)(const Tensor&);
  Activation(std::string type_name, Fn fn) : Module(std::move(type_name)), fn_(fn) {}
  Tensor forward(const Tensor& x) override { return fn_(x); }

 private:
  Fn fn_;
};

struct ReLU : Activation {
  ReLU();
};
struct ReLU6 : Activation {
  ReLU6();
};
struct Hardsigmoid : Activation {
  Hardsigmoid();
};
struct Hardswish : Activation {
  Hardswish();
};
struct SiLU : Activation {
  SiLU();
};
struct Sigmoid : Activation {
  Sigmoid();
};
struct Tanh : Activation {
  Tanh();
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double negative_slope;
};

class ELU : public Module {
 public:
  explicit ELU(double alpha = 1.0);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double alpha;
};

// max(0, x) + weight * min(0, x), one learned slope ("weight", initialised to `init`) per channel
// or one shared by all (num_parameters 1).
class PReLU : public Module {
 public:
  explicit PReLU(int64_t num_parameters = 1, double init = 0.25);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Tensor weight;
};

// approximate: "none" (the exact erf form) or "tanh".
class GELU : public Module {
 public:
  explicit GELU(std::string approximate = "none");
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::string approximate;
};

}  // namespace tessel::nn
