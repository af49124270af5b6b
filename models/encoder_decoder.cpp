#include "models/encoder_decoder.h"

#include "engine/ops.h"

namespace tessel::models {

std::shared_ptr<nn::Sequential> conv_module(int64_t in, int64_t out, int64_t kernel,
                                            const ConvModuleOptions& o) {
  auto m = std::make_shared<nn::Sequential>();
  m->push_back("conv",
               std::make_shared<nn::Conv2d>(in, out, kernel, o.stride, kernel / 2 * o.dilation,
                                            o.dilation, o.groups, !o.norm));
  if (o.norm) m->push_back("bn", std::make_shared<nn::BatchNorm2d>(out));
  if (o.act) m->push_back("activate", std::make_shared<nn::ReLU>());
  return m;
}

std::shared_ptr<nn::Sequential> separable_conv_module(int64_t in, int64_t out,
                                                      const ConvModuleOptions& depthwise,
                                                      const ConvModuleOptions& pointwise) {
  ConvModuleOptions dw = depthwise;
  dw.groups = in;
  return std::make_shared<nn::Sequential>(std::vector<std::pair<std::string, nn::ModulePtr>>{
      {"depthwise_conv", conv_module(in, in, 3, dw)},
      {"pointwise_conv", conv_module(in, out, 1, pointwise)}});
}

PoolingBranch::PoolingBranch(int64_t bins, int64_t in_channels, int64_t channels) {
  push_back(std::make_shared<nn::AdaptiveAvgPool2d>(bins));
  push_back(conv_module(in_channels, channels, 1));
}

Tensor PoolingBranch::forward(const Tensor& x) {
  return upsample_bilinear(nn::Sequential::forward(x), {.size = Size2{x.size(2), x.size(3)}});
}

DecodeHead::DecodeHead(std::string type_name, int64_t channels, int64_t num_classes)
    : Module(std::move(type_name)) {
  conv_seg = register_module("conv_seg", std::make_shared<nn::Conv2d>(channels, num_classes, 1));
  dropout = register_module("dropout", std::make_shared<nn::Dropout2d>(0.1));
}

FCNHead::FCNHead(int64_t in_channels, int64_t num_classes, int64_t channels, int64_t num_convs,
                 std::string in_key)
    : DecodeHead("FCNHead", channels, num_classes), in_key(std::move(in_key)) {
  convs = register_module("convs", std::make_shared<nn::Sequential>());
  for (int64_t i = 0; i < num_convs; ++i)
    convs->push_back(conv_module(i == 0 ? in_channels : channels, channels, 3));
}

Tensor FCNHead::forward(const nn::OrderedDict<Tensor>& features) {
  return cls_seg(convs->forward(features.at(in_key)));
}

void init_decode_head(DecodeHead& head) {
  head.apply([](nn::Module& m) {
    if (auto* conv = m.as<nn::Conv2d>())
      nn::init::kaiming_normal_(conv->weight, 0, nn::init::FanMode::FanOut,
                                nn::init::Nonlinearity::ReLU);
  });
  nn::init::normal_(head.conv_seg->weight, 0, 0.01);
  nn::init::zeros_(head.conv_seg->bias);
}

EncoderDecoder::EncoderDecoder(std::string type_name, std::shared_ptr<ResNet> backbone_,
                               std::shared_ptr<DecodeHead> decode_head_,
                               const ModelOptions& options)
    : SegmentationModel(std::move(type_name)) {
  backbone = register_module("backbone", backbone_);
  decode_head = register_module("decode_head", decode_head_);
  if (options.aux)
    auxiliary_head =
        register_module("auxiliary_head",
                        std::make_shared<FCNHead>(backbone->out_channels(3), options.num_classes));
  for (const std::shared_ptr<DecodeHead>& head : {decode_head, auxiliary_head})
    if (head) init_decode_head(*head);
}

Outputs EncoderDecoder::forward_outputs(const Tensor& x) {
  TESSEL_CHECK(x.dim() == 4, type_name(), ": input must be [N, C, H, W], got ",
               shape_str(x.sizes()));
  UpsampleOptions to_input{.size = Size2{x.size(2), x.size(3)}};
  nn::OrderedDict<Tensor> features = backbone->forward_features(x);
  Outputs outputs;
  outputs.insert("out", upsample_bilinear(decode_head->forward(features), to_input));
  if (auxiliary_head)
    outputs.insert("aux", upsample_bilinear(auxiliary_head->forward(features), to_input));
  return outputs;
}

}  // namespace tessel::models
