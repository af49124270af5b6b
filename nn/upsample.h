// Upsample, as torch.nn.Upsample: mode "nearest" or "bilinear", a target size or a scale factor
// (exactly one), align_corners for bilinear only:
//   nn::Upsample({.scale_factor = 2.0, .mode = "bilinear", .align_corners = false})
//   nn::Upsample({.size = Int2{64, 128}})
#pragma once

#include <optional>
#include <string>

#include "nn/args.h"
#include "nn/module.h"

namespace tessel::nn {

class Upsample : public Module {
 public:
  struct Options {
    std::optional<Int2> size = std::nullopt;
    std::optional<Float2> scale_factor = std::nullopt;
    std::string mode = "nearest";
    std::optional<bool> align_corners = std::nullopt;  // bilinear: false when not given
    bool recompute_scale_factor = false;
  };
  explicit Upsample(Options options);

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  Options options;
};

}  // namespace tessel::nn
