#include "models/fcn.h"

#include "models/deeplabv3.h"
#include "models/registry.h"

namespace tessel::models {

std::shared_ptr<nn::Sequential> fcn_head(int64_t in_channels, int64_t channels) {
  int64_t inter = in_channels / 4;
  return std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
      std::make_shared<nn::Conv2d>(in_channels, inter, 3, 1, 1, 1, 1, false),
      std::make_shared<nn::BatchNorm2d>(inter), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Dropout>(0.1), std::make_shared<nn::Conv2d>(inter, channels, 1)});
}

std::shared_ptr<SegmentationModel> resnet_segmentation_model(std::string type_name, int64_t depth,
                                                             const ModelOptions& options,
                                                             const HeadBuilder& head) {
  auto backbone = segmentation_backbone(depth, options);
  auto aux = options.aux ? fcn_head(backbone->out_channels(3), options.num_classes) : nullptr;
  auto classifier = head(backbone->out_channels(4), options.num_classes);
  return std::make_shared<SimpleSegmentationModel>(std::move(type_name), backbone, classifier, aux);
}

std::shared_ptr<SegmentationModel> fcn(int64_t depth, const ModelOptions& options) {
  return resnet_segmentation_model("FCN", depth, options, fcn_head);
}

}  // namespace tessel::models

namespace tessel::models {

void add_torchvision_models(Registry& r) {
  for (int64_t depth : {18, 34, 50, 101}) {
    std::string resnet = "_resnet" + std::to_string(depth);
    r["fcn" + resnet] = [depth](const ModelOptions& o) { return fcn(depth, o); };
    r["deeplabv3" + resnet] = [depth](const ModelOptions& o) { return deeplabv3(depth, o); };
  }
}

}  // namespace tessel::models
