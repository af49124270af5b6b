// SegFormer (Xie et al. 2021): a Mix Transformer encoder and an all-MLP decoder, with HuggingFace's
// module names (transformers' SegformerForSemanticSegmentation: "segformer.encoder.*",
// "decode_head.*"), so its checkpoints (nvidia/segformer-b0-finetuned-ade-512-512, ...) load
// unchanged. Registered as segformer_b0 ... segformer_b5 (models/segformer.cpp).
#pragma once

#include "models/mix_transformer.h"
#include "models/segmentation_model.h"

namespace tessel::models {

// Each stage's features projected to `channels` by a linear layer ("linear_c.i.proj"), upsampled
// to the first stage's size and concatenated, deepest first; then a 1x1 conv ("linear_fuse", no
// bias), BatchNorm ("batch_norm"), ReLU, Dropout(0.1) and a 1x1 conv to the classes
// ("classifier"). Logits at 1/4 of the input's size.
class SegformerDecodeHead : public nn::Module {
 public:
  SegformerDecodeHead(const std::array<int64_t, 4>& in_channels, int64_t channels,
                      int64_t num_classes);
  using nn::Module::forward;
  Tensor forward(const std::vector<Tensor>& features);

  std::shared_ptr<nn::ModuleList> linear_c;
  std::shared_ptr<nn::Conv2d> linear_fuse, classifier;
  std::shared_ptr<nn::BatchNorm2d> batch_norm;
  std::shared_ptr<nn::Dropout> dropout;
};

// "out": the decode head's logits upsampled bilinearly (align_corners=False) to the input's size.
// There is no auxiliary head, and the encoder's strides are fixed (options.output_stride is not
// used). Initialised as HuggingFace's _init_weights: linear and conv weights N(0, 0.02), their
// biases 0, norms 1 and 0.
class SegFormer : public SegmentationModel {
 public:
  SegFormer(MixTransformerOptions encoder_options, int64_t decoder_channels,
            const ModelOptions& options);
  Outputs forward_outputs(const Tensor& x) override;
  std::vector<std::string> backbone_paths() const override { return {"segformer.encoder"}; }

  std::shared_ptr<MixTransformer> encoder;  // "segformer.encoder"
  std::shared_ptr<SegformerDecodeHead> decode_head;
};

}  // namespace tessel::models
