// VGG-16 (Simonyan and Zisserman, configuration D) as a segmentation backbone: torchvision's
// vgg16().features with its names ("features.0" .. "features.30") and initialisation, so the
// convolutions of torchvision's ImageNet weights load unchanged (its classifier is left out). It
// returns the output of each max pool by name ("pool1" .. "pool5", strides 2 .. 32), which
// FCN-32s/16s/8s read.
#pragma once

#include <memory>

#include "nn/nn.h"

namespace tessel::models {

class VGG16 : public nn::Module {
 public:
  VGG16();

  nn::OrderedDict<Tensor> forward_features(const Tensor& x);
  // Channels of forward_features()'s "pool<stage>" (stage 1..5).
  static int64_t out_channels(int stage);

  std::shared_ptr<nn::Sequential> features;
};

}  // namespace tessel::models
