// Segmentation networks by name:
//   auto model = models::create("deeplabv3_resnet50", {.num_classes = 21, .aux = true});
//   models::Outputs y = model->forward_outputs(images);  // y["out"], y["aux"]
// The torchvision names (fcn_resnet50/101, deeplabv3_resnet50/101) have torchvision's modules
// and state dict names; the ResNet-18/34 variants are ours, for small experiments and tests.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "models/segmentation_model.h"

namespace tessel::models {

using Builder = std::function<std::shared_ptr<SegmentationModel>(const ModelOptions&)>;
using Registry = std::map<std::string, Builder>;

// Each model family adds its names in one function, called once from registry.cpp's table:
// adding a family is a header, its .cpp, and one line there.
void add_torchvision_models(Registry& r);  // fcn_* and deeplabv3_* (models/fcn.cpp)
// unet, unet_small, unet_resnet34, linknet_resnet34, fpn_resnet34,
// manet_resnet34, unetplusplus_resnet34, stdc1/2_seg, pp_liteseg_t/b
// (models/unet_stdc_models.cpp)
void add_unet_stdc_models(Registry& r);
// lraspp_mobilenet_v3_large, pspnet_*, deeplabv3plus_* (models/pyramid_models.cpp)
void add_pyramid_models(Registry& r);
// segformer_b0 (models/segformer.cpp)
void add_segformer_models(Registry& r);
// ddrnet_23_slim/23/39, regseg48, enet, bisenetv2 (models/realtime_models.cpp)
void add_realtime_models(Registry& r);

// Throws for an unknown name, naming it and the nearest known names, and for invalid options.
std::shared_ptr<SegmentationModel> create(const std::string& name,
                                          const ModelOptions& options = {});

// Every name create() knows, sorted.
std::vector<std::string> names();

}  // namespace tessel::models
