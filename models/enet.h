// ENet (Paszke et al., "ENet: A Deep Neural Network Architecture for Real-Time Semantic
// Segmentation", 2016), as davidtvs/PyTorch-ENet with its module names: an initial block (a
// strided 3x3 conv beside a max pooling), bottlenecks with regular, dilated and asymmetric (5x1
// then 1x5) convolutions, two downsampling bottlenecks that keep their max-pooling indices, and
// two upsampling bottlenecks that max-unpool at them; PReLU in the encoder, ReLU in the decoder,
// and a final transposed convolution back to the input's size (any size: the decoder follows the
// encoder's sizes). No auxiliary head: options.aux is refused.
#pragma once

#include "models/segmentation_model.h"

namespace tessel::models {

std::shared_ptr<SegmentationModel> enet(const ModelOptions& options);

}  // namespace tessel::models
