// An ONNX graph under construction, over Debian's protobuf classes (libonnx-dev): value names
// made unique, nodes with their attributes, and initializers from Tensors.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <unordered_set>
#include <vector>

#include "engine/tensor.h"

namespace tessel::deploy {

// ONNX's element type for a dtype (TensorProto::DataType); throws for one ONNX lacks.
int onnx_type(DType t);

class OnnxGraph {
 public:
  OnnxGraph(onnx::GraphProto* graph, int opset, bool dynamic_batch);
  int opset() const { return opset_; }

  // `hint` if no value has it yet, else hint_1, hint_2, ...; reserved either way.
  std::string fresh(const std::string& hint);
  // A node named after its first output; its outputs must be names from fresh().
  onnx::NodeProto& node(const std::string& op_type, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs);
  // One node with one fresh output named from `hint`; returns the output's name.
  std::string op(const std::string& op_type, const std::vector<std::string>& inputs,
                 const std::string& hint);
  // An initializer holding `t`'s values (contiguous copy), under a fresh name from `hint`.
  std::string initializer(const std::string& hint, const Tensor& t);
  std::string ints(const std::vector<int64_t>& values, const std::string& hint);
  std::string floats(const std::vector<float>& values, const std::string& hint);
  // The shape `s` as an int64 tensor for an op on `x`; with a dynamic batch its first dim is
  // read from x's shape at run time.
  std::string batch_shape(const std::string& x, const Shape& s);

  onnx::GraphProto& proto() { return *graph_; }
  // Drops nodes whose outputs nothing reads (graph outputs count) and initializers no node
  // reads (what folding replaced), then orders the nodes so that each comes after those it
  // reads from (a folded convolution's new weights are written after it), as ONNX requires.
  void finish();

 private:
  onnx::GraphProto* graph_;
  int opset_;
  bool dynamic_batch_;
  std::unordered_set<std::string> names_;
};

void set_attr(onnx::NodeProto& n, const std::string& name, int64_t v);
void set_attr(onnx::NodeProto& n, const std::string& name, float v);
void set_attr(onnx::NodeProto& n, const std::string& name, const std::string& v);
void set_attr(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v);

}  // namespace tessel::deploy
