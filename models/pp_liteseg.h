// PP-LiteSeg-T and -B (Peng et al. 2022) as SuperGradients' PPLiteSegT/B: an STDC1/STDC2 encoder
// whose three stages are projected by conv-BN-ReLU, a simple pyramid pooling module (SPPM) on the
// last, and a flexible lightweight decoder (FLD) of unified attention fusion modules (UAFM, spatial
// attention) with channels 128 -> 64 -> 32 (T) or 128 -> 96 -> 64 (B).
// With options.aux, SuperGradients' auxiliary heads on the projected encoder features follow
// "out": "aux1" (stride 8), "aux2" (stride 16), "aux3" (stride 32).
#pragma once

#include "models/segmentation_model.h"
#include "models/stdc.h"

namespace tessel::models {

// Averages pooled to 1x1, 2x2 and 4x4, each conv-BN-ReLU 1x1, resized back and summed, then a
// conv-BN-ReLU 3x3.
class SPPM : public nn::Module {
 public:
  SPPM(int64_t in_channels, int64_t inter_channels, int64_t out_channels);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::ModuleList> branches;
  std::shared_ptr<nn::Sequential> conv_out;
};

// Fuses a deeper feature x (resized to the skip's size) with a skip feature: a spatial attention
// map from the channel means and maxima of both weighs x against the skip.
class UAFM : public nn::Module {
 public:
  UAFM(int64_t in_channels, int64_t skip_channels, int64_t out_channels);
  using Module::forward;
  Tensor forward(const Tensor& x, const Tensor& skip);

  std::shared_ptr<nn::Sequential> conv_atten, conv_out;
  nn::ModulePtr proj_skip;  // conv-BN-ReLU 3x3 to in_channels, or Identity when they agree
};

class PPLiteSeg : public SegmentationModel {
 public:
  // variant: 'T' or 'B'.
  PPLiteSeg(char variant, const ModelOptions& options);
  Outputs forward_outputs(const Tensor& x) override;
  std::vector<std::string> backbone_paths() const override { return {"encoder.backbone"}; }
  int64_t input_multiple() const override { return 32; }

  // backbone, proj_convs and context_module under "encoder", up_stages under "decoder", as
  // SuperGradients names them (its checkpoints load as they are).
  std::shared_ptr<STDCBackbone> backbone;
  std::shared_ptr<nn::ModuleList> proj_convs;  // strides 8, 16, 32
  std::shared_ptr<SPPM> context_module;
  std::shared_ptr<nn::ModuleList> up_stages;  // UAFMs, deepest first
  std::shared_ptr<nn::Sequential> seg_head;
  std::shared_ptr<nn::ModuleList> aux_heads;  // with options.aux; strides 8, 16, 32
};

}  // namespace tessel::models
