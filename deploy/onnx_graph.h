// An ONNX graph under construction, over Debian's protobuf classes (libonnx-dev): value names
// made unique, nodes with their attributes, initializers from Tensors, and the shapes ops need
// (Reshape's, Resize's sizes) as constants or, with dynamic axes, read at run time.
//
// Dynamic axes: the exporter traces the model twice, on the example and on a probe input whose
// dynamic axes differ, and tells the graph every value's shape in both (known()). A dim equal
// in both traces is a constant; one that differs is read at run time from a value that had that
// dim in both traces (Shape, then Slice), the op's own inputs first, then the latest value.
// The probe is about twice the size and odd, so that the two traces tell apart dims that
// coincide at one size (a stride-8 map made by flooring and one made by rounding up) and every
// dim down to the deepest stride the example's size reaches varies. A dim equal in both traces is
// taken for a constant: trace at the size you deploy at, not a smaller one, so that a pooling
// deeper than the traced size (a map one pixel high in both traces) does not pass for fixed.
#pragma once

#include <onnx/onnx_pb.h>

#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <variant>
#include <vector>

#include "engine/tensor.h"

namespace tessel::deploy {

// ONNX's element type for a dtype (TensorProto::DataType); throws for one ONNX lacks.
int onnx_type(DType t);

class OnnxGraph {
 public:
  OnnxGraph(onnx::GraphProto* graph, int opset);
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

  // That the graph computes `value`, of shape `traced` in the trace and `probe` in the probe
  // trace (the same without dynamic axes).
  void known(const std::string& value, const Shape& traced, const Shape& probe);
  // A 1-element int64 tensor that holds, at run time, a dim that was `traced` in the trace and
  // `probe` in the probe trace: a constant when they are equal, else a dim of a known value:
  // on `axis` (where the dim will be) in `near`, then in the latest value that has it there,
  // then on any axis in the same order (a Reshape moves dims); nullopt when no value has it.
  std::optional<std::string> dim(int64_t traced, int64_t probe, size_t axis,
                                 const std::vector<std::string>& near = {});
  // The same, throwing an error naming `what` when no value has it.
  std::string require_dim(int64_t traced, int64_t probe, size_t axis,
                          const std::vector<std::string>& near, const std::string& what);
  // A shape as a 1-D int64 tensor from its dims: constants, or names from dim().
  using Dim = std::variant<int64_t, std::string>;
  std::string shape(const std::vector<Dim>& dims, const std::string& hint);
  // A whole shape, each dim as require_dim().
  std::string shape(const Shape& traced, const Shape& probe, const std::vector<std::string>& near,
                    const std::string& what);

  onnx::GraphProto& proto() { return *graph_; }
  // Drops nodes whose outputs nothing reads (graph outputs count) and initializers no node
  // reads (what folding replaced), then orders the nodes so that each comes after those it
  // reads from (a folded convolution's new weights are written after it), as ONNX requires.
  void finish();

 private:
  onnx::GraphProto* graph_;
  int opset_;
  std::unordered_set<std::string> names_;
  struct Known {
    std::string name;
    Shape traced, probe;
  };
  std::vector<Known> known_;                                    // in the order the graph made them
  std::map<std::pair<std::string, size_t>, std::string> dims_;  // (value, axis) -> its dim
};

void set_attr(onnx::NodeProto& n, const std::string& name, int64_t v);
void set_attr(onnx::NodeProto& n, const std::string& name, float v);
void set_attr(onnx::NodeProto& n, const std::string& name, const std::string& v);
void set_attr(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v);

}  // namespace tessel::deploy
