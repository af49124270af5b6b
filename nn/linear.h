// Linear: y = x @ weight^T + bias, as torch.nn.Linear (weight [out_features, in_features],
// kaiming_uniform_(a = sqrt(5)) weight and U(-1/sqrt(in), 1/sqrt(in)) bias).
#pragma once

#include "nn/module.h"

namespace tessel::nn {

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);

  Tensor forward(const Tensor& x) override;  // x: [..., in_features]
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_features, out_features;
  Tensor weight, bias;
};

}  // namespace tessel::nn
