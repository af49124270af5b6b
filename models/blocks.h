// Pieces shared by the models (their conv-BN-ReLU unit is models/conv_bn.h).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nn/nn.h"

namespace tessel::models {

// A module that only names its children, for a reference's wrappers without parameters of their
// own (HuggingFace's "attention.output" holding "dense", SMP's "decoder" holding "blocks").
std::shared_ptr<nn::ModuleDict> group(
    const std::vector<std::pair<std::string, nn::ModulePtr>>& children);

// A Sequential of `modules` under "0", "1", ...
std::shared_ptr<nn::Sequential> sequential(std::initializer_list<nn::ModulePtr> modules);

// SuperGradients' SegmentationHead (conv-BN-ReLU 3x3 in -> mid, Dropout, 1x1 conv without bias
// mid -> classes) as SG's models hold it, first in a Sequential whose second module upsamples:
// "0.seg_head.0.seq.conv.weight" .. "0.seg_head.2.weight". The caller upsamples.
std::shared_ptr<nn::Sequential> segmentation_head(int64_t in_channels, int64_t mid_channels,
                                                  int64_t num_classes, double dropout);

// Checks that x is [N, 3, H, W] with H and W multiples of `multiple`: the network's total stride,
// since its decoder adds or concatenates features that must line up.
void check_input(const std::string& model, const Tensor& x, int64_t multiple);

// Bilinear resize of x to `like`'s height and width.
Tensor resize_as(const Tensor& x, const Tensor& like, bool align_corners = false);

// Nearest-neighbour upsampling by 2.
Tensor upsample2_nearest(const Tensor& x);

// Kaiming-normal (fan out, ReLU) convolutions, as SuperGradients' init_params; BatchNorm keeps
// its (ones, zeros).
void init_conv_kaiming_fan_out(nn::Module& model);

}  // namespace tessel::models
