// STDC-Seg (STDC1-Seg, STDC2-Seg) as SuperGradients' STDCSegmentationBase: BiSeNet's context path
// on an STDC backbone (global context + attention refinement of the stride-32 and stride-16
// features, each upsampled x2), fused with the stride-8 features, and a 3x3 head.
// Module names and order are SuperGradients' (its checkpoints load as they are). With
// options.aux, outputs in SG's order: "out", "aux1" (stride-32 head), "aux2"
// (stride-16 head), "detail" (one channel from the stride-8 features, for the detail loss).
#pragma once

#include "models/segmentation_model.h"
#include "models/stdc.h"

namespace tessel::models {

// conv-BN-ReLU 3x3, scaled per channel by sigmoid(BN(conv1x1(global average))).
class AttentionRefinementModule : public nn::Module {
 public:
  AttentionRefinementModule(int64_t in_channels, int64_t out_channels);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::Sequential> conv_first, attention_block;
};

// conv-BN-ReLU 1x1 over [spatial, context], plus itself scaled by a squeeze-excitation attention.
class FeatureFusionModule : public nn::Module {
 public:
  FeatureFusionModule(int64_t spatial_channels, int64_t context_channels, int64_t out_channels);
  using Module::forward;
  Tensor forward(const Tensor& spatial, const Tensor& context);

  std::shared_ptr<nn::Sequential> pw_conv, attention_block;
};

class STDCSeg : public SegmentationModel {
 public:
  STDCSeg(int version, const ModelOptions& options);
  Outputs forward_outputs(const Tensor& x) override;
  std::vector<std::string> backbone_paths() const override { return {"cp.backbone"}; }
  int64_t input_multiple() const override { return 32; }

  // Under "cp" (SuperGradients' ContextPath); context_embedding one level deeper still.
  std::shared_ptr<STDCBackbone> backbone;
  std::shared_ptr<nn::Sequential> context_embedding, upsample32, upsample16;
  std::shared_ptr<AttentionRefinementModule> arm32, arm16;
  std::shared_ptr<FeatureFusionModule> ffm;
  std::shared_ptr<nn::Sequential> segmentation_head;
  std::shared_ptr<nn::Sequential> aux_head_s16, aux_head_s32, detail_head8;  // with options.aux
};

}  // namespace tessel::models
