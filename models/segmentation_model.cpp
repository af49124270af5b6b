#include "models/segmentation_model.h"

#include "engine/ops.h"

namespace tessel::models {

SimpleSegmentationModel::SimpleSegmentationModel(std::string type_name,
                                                 std::shared_ptr<ResNet> backbone_,
                                                 nn::ModulePtr classifier_,
                                                 nn::ModulePtr aux_classifier_)
    : SegmentationModel(std::move(type_name)) {
  backbone = register_module("backbone", backbone_);
  classifier = register_module("classifier", classifier_);
  if (aux_classifier_) aux_classifier = register_module("aux_classifier", aux_classifier_);
}

Outputs SimpleSegmentationModel::forward_outputs(const Tensor& x) {
  TESSEL_CHECK(x.dim() == 4, type_name(), ": input must be [N, C, H, W], got ",
               shape_str(x.sizes()));
  UpsampleOptions to_input{.size = Size2{x.size(2), x.size(3)}};
  nn::OrderedDict<Tensor> features = backbone->forward_features(x);
  Outputs outputs;
  outputs.insert("out", upsample_bilinear(classifier->forward(features.at("layer4")), to_input));
  if (aux_classifier)
    outputs.insert("aux",
                   upsample_bilinear(aux_classifier->forward(features.at("layer3")), to_input));
  return outputs;
}

std::shared_ptr<ResNet> segmentation_backbone(int64_t depth, const ModelOptions& options) {
  return std::make_shared<ResNet>(
      depth, ResNetOptions{
                 .replace_stride_with_dilation = dilation_for_output_stride(options.output_stride),
                 .num_classes = 0});
}

}  // namespace tessel::models
