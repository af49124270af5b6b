#include "models/segformer.h"

#include "engine/ops.h"
#include "models/registry.h"

namespace tessel::models {

SegformerDecodeHead::SegformerDecodeHead(const std::array<int64_t, 4>& in_channels,
                                         int64_t channels, int64_t num_classes)
    : Module("SegformerDecodeHead") {
  linear_c = register_module("linear_c", std::make_shared<nn::ModuleList>());
  for (int64_t c : in_channels)
    linear_c->push_back(group({{"proj", std::make_shared<nn::Linear>(c, channels)}}));
  linear_fuse = register_module(
      "linear_fuse", std::make_shared<nn::Conv2d>(4 * channels, channels, 1, 1, 0, 1, 1, false));
  batch_norm = register_module("batch_norm", std::make_shared<nn::BatchNorm2d>(channels));
  dropout = register_module("dropout", std::make_shared<nn::Dropout>(0.1));
  classifier =
      register_module("classifier", std::make_shared<nn::Conv2d>(channels, num_classes, 1));
}

Tensor SegformerDecodeHead::forward(const std::vector<Tensor>& features) {
  TESSEL_CHECK(features.size() == linear_c->size(), "SegformerDecodeHead: ", features.size(),
               " feature maps, expected ", linear_c->size());
  UpsampleOptions to_first{.size = Size2{features[0].size(2), features[0].size(3)}};
  std::vector<Tensor> projected;
  for (size_t i = features.size(); i-- > 0;) {
    const Tensor& f = features[i];
    auto* proj = (*linear_c)[i]->as<nn::ModuleDict>();
    Tensor tokens = (*proj)["proj"]->forward(f.flatten(2).transpose(1, 2));  // [N, HW, channels]
    Tensor image = tokens.transpose(1, 2).reshape({f.size(0), -1, f.size(2), f.size(3)});
    projected.push_back(upsample_bilinear(image, to_first));
  }
  Tensor x = relu(batch_norm->forward(linear_fuse->forward(cat(projected, 1))));
  return classifier->forward(dropout->forward(x));
}

SegFormer::SegFormer(MixTransformerOptions encoder_options, int64_t decoder_channels,
                     const ModelOptions& options)
    : SegmentationModel("SegformerForSemanticSegmentation") {
  TESSEL_CHECK(!options.aux, "SegFormer: has no auxiliary head; create it with aux = false");
  encoder = std::make_shared<MixTransformer>(encoder_options);
  register_module("segformer", group({{"encoder", encoder}}));
  decode_head = register_module(
      "decode_head", std::make_shared<SegformerDecodeHead>(encoder_options.hidden_sizes,
                                                           decoder_channels, options.num_classes));
  apply([](nn::Module& m) {
    Tensor weight, bias;
    if (auto* linear = m.as<nn::Linear>()) {
      weight = linear->weight;
      bias = linear->bias;
    } else if (auto* conv = m.as<nn::Conv2d>()) {
      weight = conv->weight;
      bias = conv->bias;
    } else {
      return;
    }
    nn::init::normal_(weight, 0, 0.02);
    if (bias.defined()) nn::init::zeros_(bias);
  });
}

Outputs SegFormer::forward_outputs(const Tensor& x) {
  Tensor logits = decode_head->forward(encoder->forward_features(x));
  Outputs outputs;
  outputs.insert("out", upsample_bilinear(logits, {.size = Size2{x.size(2), x.size(3)}}));
  return outputs;
}

// The configs of HuggingFace's nvidia/mit-b0 ... mit-b5: hidden sizes, depths and the decode
// head's width; heads, reduction ratios and MLP ratio are MixTransformerOptions' defaults.
void add_segformer_models(Registry& r) {
  using Sizes = std::array<int64_t, 4>;
  struct Variant {
    const char* name;
    Sizes hidden, depths;
    int64_t decoder;
  };
  const Sizes wide{64, 128, 320, 512};
  for (const Variant& v : {Variant{"segformer_b0", {32, 64, 160, 256}, {2, 2, 2, 2}, 256},
                           Variant{"segformer_b1", wide, {2, 2, 2, 2}, 256},
                           Variant{"segformer_b2", wide, {3, 4, 6, 3}, 768},
                           Variant{"segformer_b3", wide, {3, 4, 18, 3}, 768},
                           Variant{"segformer_b4", wide, {3, 8, 27, 3}, 768},
                           Variant{"segformer_b5", wide, {3, 6, 40, 3}, 768}}) {
    MixTransformerOptions encoder;
    encoder.hidden_sizes = v.hidden;
    encoder.depths = v.depths;
    r[v.name] = [encoder, decoder = v.decoder](const ModelOptions& o) {
      return std::make_shared<SegFormer>(encoder, decoder, o);
    };
  }
}

}  // namespace tessel::models
