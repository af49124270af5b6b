// The ONNX nodes for each traced op (engine/trace.h) that the registered models run.
#pragma once

#include <string>
#include <vector>

#include "deploy/onnx_graph.h"
#include "engine/trace.h"

namespace tessel::deploy {

// What a mapping is handed: the traced op, the same op in the probe trace (with dynamic axes,
// where the shapes differ; else the op itself), the ONNX names of its inputs ("" where an input
// is undefined, such as a convolution without bias) and the names its outputs must take (""
// where nothing reads an output, which the mapping may then leave out). A mapping that needs a
// shape takes it from OnnxGraph::shape() or dim() with both traces' sizes.
struct OpNode {
  const trace::Op& op;
  const trace::Op& probe;
  std::vector<std::string> in, out;
};

using Mapping = void (*)(OnnxGraph&, const OpNode&);

// The mapping of a traced op's name, or nullptr when there is none.
Mapping onnx_mapping(const std::string& op_name);

}  // namespace tessel::deploy
