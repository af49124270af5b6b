// Starting a network from an ImageNet-pretrained backbone (the recipe key model.backbone_weights;
// mmsegmentation's init_cfg=Pretrained, SuperGradients' load_backbone). The file is safetensors
// and holds the backbone's own state dict, named as its module: for torchvision's families the
// classifier's names ("conv1.weight", "layer1.0.conv1.weight", ..., plus "fc.*", reported as
// unexpected). tools/convert_weights.py writes one from torchvision, timm, SuperGradients,
// segmentation_models_pytorch, HuggingFace and mmsegmentation checkpoints. A whole
// network's file also works: when keys start with the backbone's path ("backbone.conv1.weight",
// HuggingFace's "segformer.encoder.*"), only those are read, with the path removed (mmseg's
// prefix=).
#pragma once

#include <cstdint>
#include <string>

#include "models/segmentation_model.h"

namespace tessel::models {

struct BackboneLoad {
  std::string path;      // the file
  std::string backbone;  // SegmentationModel::backbone_paths(), joined with ", "
  int64_t loaded = 0;    // backbone tensors the file gave ...
  int64_t total = 0;     // ... of all the backbone's state dict
  // missing: backbone keys the file lacks (they keep their initialisation); unexpected: the
  // file's keys the backbone lacks (ignored).
  nn::IncompatibleKeys keys;

  // "loaded 318/318 backbone tensors from F into backbone; missing: none; unexpected: fc.weight,
  // fc.bias" (long lists end with "and N more").
  std::string summary() const;
};

// Copies the file's tensors into `model`'s backbone, non-strictly. Throws, naming the file, for a
// network without a pretrained backbone, an unreadable file, a shape mismatch (naming the key and
// both shapes; nothing is loaded then), and a file none of whose keys is the backbone's (names not
// converted: the error shows a few of each).
BackboneLoad load_backbone_weights(SegmentationModel& model, const std::string& path);

}  // namespace tessel::models
