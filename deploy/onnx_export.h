// ONNX export: traces a segmentation model's forward on an example input (engine/trace.h) and
// writes the ops as an ONNX graph (deploy/onnx_ops.h), weights as initializers. The graph's
// input is `input`; its outputs are the model's (`out`, `aux`, ...) or, with an argmax head, the
// label map `labels`.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "models/segmentation_model.h"

namespace tessel::deploy {

enum class Labels { None, I64, U8 };  // the argmax head: none, or labels of that type

struct OnnxOptions {
  int opset = 17;                // 13 to 20
  bool dynamic_batch = false;    // the batch axis of input and outputs is symbolic ("batch")
  bool dynamic_size = false;     // so are the height and width ("height", "width")
  bool fold_bn = false;          // BatchNorm after a convolution folded into its weights
  Labels labels = Labels::None;  // an argmax over classes replaces the logits
  bool fp16 = false;             // float weights stored as f16 (cast to f32 in the graph)
};

// The ONNX model of `model` (run in eval mode, without gradients, on `example`'s device and
// shape; the model's mode is restored after). An op without an ONNX mapping is an error naming
// the op and the module that called it. With dynamic axes the model is traced a second time on
// a probe input of another shape, and a graph whose ops or constants depend on the shape in a way
// the graph cannot compute at run time is an error naming the op (onnx_graph.h).
onnx::ModelProto to_onnx(models::SegmentationModel& model, const Tensor& example,
                         const OnnxOptions& options = {});

// to_onnx written to `path` atomically (the old file stays until the new one is complete).
void export_onnx(models::SegmentationModel& model, const Tensor& example, const std::string& path,
                 const OnnxOptions& options = {});

}  // namespace tessel::deploy
