// Test-time inference: logits for whole images, sliding windows over large ones, multi-scale and
// flip test-time augmentation, and the rules that turn outputs into label maps.
#pragma once
#include <functional>
#include <optional>
#include <vector>

#include "engine/tensor.h"
#include "models/segmentation_model.h"

namespace tessel::train {

// Logits [N, C, h, w] at the size of its input [N, 3, h, w]; a model's "out" head, or any
// function for tests.
using LogitsFn = std::function<Tensor(const Tensor&)>;

// mmseg's slide mode: windows of `window` (h, w) every `stride`, the last window on each axis
// pulled back to end at the border, logits summed and divided by how many windows saw a pixel.
// A window that covers the image is one whole-image pass.
struct SlidingWindow {
  Size2 window{512, 512};
  Size2 stride{341, 341};
};

struct InferenceOptions {
  std::optional<SlidingWindow> sliding;  // whole-image inference when absent
  std::vector<double> scales{1.0};       // the image is resized by each, logits resized back
  bool flip = false;                     // also the horizontally flipped image, logits flipped back
};

Tensor sliding_logits(const LogitsFn& f, const Tensor& images, const SlidingWindow& w);

// The mean logits over every scale (and flip), at the input's size.
Tensor infer_logits(const LogitsFn& f, const Tensor& images, const InferenceOptions& o = {});
// The model's "out" logits, in eval mode and without recording gradients. Images whose size is
// not a multiple of the model's input_multiple() are padded with zeros at the bottom and right
// (after normalisation, as mmsegmentation's size_divisor) and the logits cropped back.
Tensor infer_logits(models::SegmentationModel& model, const Tensor& images,
                    const InferenceOptions& o = {});

// x [N, C, H, W] reversed along W.
Tensor flip_horizontal(const Tensor& x);

// Decision rules. Multi-class: labels [N, H, W] (i64), the argmax over C. Binary and multi-label
// sigmoid outputs: u8 [N, C, H, W], 1 where sigmoid(logit) > threshold.
Tensor argmax_labels(const Tensor& logits);
Tensor threshold_labels(const Tensor& logits, double threshold = 0.5);

}  // namespace tessel::train
