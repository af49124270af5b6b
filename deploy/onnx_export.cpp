#include "deploy/onnx_export.h"

#include <unordered_map>

#include "deploy/onnx_graph.h"
#include "deploy/onnx_ops.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "nn/file.h"

namespace tessel::deploy {
namespace {

using Names = std::unordered_map<trace::Key, std::string, trace::KeyHash>;

// Puts a model in eval mode for a scope and restores its mode after.
class EvalMode {
 public:
  explicit EvalMode(nn::Module& m) : m_(m), was_training_(m.is_training()) { m.eval(); }
  ~EvalMode() { m_.train(was_training_); }
  EvalMode(const EvalMode&) = delete;
  EvalMode& operator=(const EvalMode&) = delete;

 private:
  nn::Module& m_;
  bool was_training_;
};

void set_value_info(onnx::ValueInfoProto& v, const std::string& name, DType t, const Shape& shape,
                    bool dynamic_batch) {
  v.set_name(name);
  auto& tensor = *v.mutable_type()->mutable_tensor_type();
  tensor.set_elem_type(onnx_type(t));
  for (size_t i = 0; i < shape.size(); ++i) {
    auto& dim = *tensor.mutable_shape()->add_dim();
    if (i == 0 && dynamic_batch)
      dim.set_dim_param("batch");
    else
      dim.set_dim_value(shape[i]);
  }
}

// Writes the traced ops as nodes, naming each value once.
class Writer {
 public:
  Writer(OnnxGraph& g, models::SegmentationModel& model, const OnnxOptions& options)
      : g_(g), options_(options) {
    for (const auto& [name, m] : model.named_modules())
      module_paths_[m.get()] = name.empty() ? model.type_name() : name;
    for (const auto& [name, t] : model.named_parameters()) params_[trace::key(t)] = name;
    for (const auto& [name, t] : model.named_buffers()) params_[trace::key(t)] = name;
  }

  void bind(const Tensor& t, const std::string& name) { names_[trace::key(t)] = name; }

  // The ops, their outputs named `outputs[key]` where an op writes a model output last.
  void write(const std::vector<const trace::Op*>& ops, const Names& outputs) {
    std::unordered_map<trace::Key, size_t, trace::KeyHash> last_writer, readers;
    for (size_t i = 0; i < ops.size(); ++i) {
      for (const Tensor& t : ops[i]->outputs)
        if (t.defined()) last_writer[trace::key(t)] = i;
      for (const Tensor& t : ops[i]->inputs)
        if (t.defined()) ++readers[trace::key(t)];
    }
    for (const auto& [k, name] : outputs)
      TESSEL_CHECK(last_writer.count(k), "onnx: output '", name,
                   "' was not computed by a traced op (an op that does not report to the tracer)");
    for (size_t i = 0; i < ops.size(); ++i) {
      const trace::Op& op = *ops[i];
      std::string path = module_path(op), hint = path.empty() ? op.name : path + "/" + op.name;
      Mapping map = onnx_mapping(op.name);
      TESSEL_CHECK(map != nullptr, "onnx: no ONNX mapping for op '", op.name, "' called by ",
                   caller(op));
      OpNode n{op, {}, {}};
      for (const Tensor& t : op.inputs) n.in.push_back(value(t));
      for (const Tensor& t : op.outputs) {
        trace::Key k = trace::key(t);
        auto out = outputs.find(k);
        bool is_output = out != outputs.end() && last_writer.at(k) == i;
        n.out.push_back(is_output ? out->second : (readers.count(k) ? g_.fresh(hint) : ""));
        if (!n.out.back().empty()) names_[k] = n.out.back();
        producers_[k] = nearest_module(op);
      }
      if (options_.fold_bn && fold_into_conv(op, n, readers)) continue;
      try {
        map(g_, n);
      } catch (const Error& e) {
        TESSEL_FAIL("onnx: op '", op.name, "' called by ", caller(op), ": ", e.what());
      }
      if (op.name == "Conv2d")
        convs_[trace::key(op.outputs[0])] = {g_.proto().node_size() - 1, &op};
    }
  }

 private:
  // The dotted path of the innermost module open around the op ("" when none is).
  std::string module_path(const trace::Op& op) const {
    for (auto it = op.modules.rbegin(); it != op.modules.rend(); ++it)
      if (auto m = module_paths_.find(*it); m != module_paths_.end()) return m->second;
    return "";
  }

  // The op's module, else the nearest module its first traced input came from ("" when none).
  std::string nearest_module(const trace::Op& op) const {
    std::string path = module_path(op);
    if (!path.empty()) return path;
    for (const Tensor& t : op.inputs)
      if (auto p = t.defined() ? producers_.find(trace::key(t)) : producers_.end();
          p != producers_.end())
        return p->second;
    return "";
  }

  // Who called the op, for messages.
  std::string caller(const trace::Op& op) const {
    std::string near = nearest_module(op);
    if (near.empty()) return "the model";
    return module_path(op).empty() ? "the model after module '" + near + "'"
                                   : "module '" + near + "'";
  }

  // The ONNX name of an op's input: a value already written, a parameter or buffer (an
  // initializer under its state-dict name) or a constant the forward made (an initializer).
  std::string value(const Tensor& t) {
    if (!t.defined()) return "";
    trace::Key k = trace::key(t);
    if (auto it = names_.find(k); it != names_.end()) return it->second;
    auto p = params_.find(k);
    return names_[k] = weight(p != params_.end() ? p->second : "const", t);
  }

  std::string weight(const std::string& hint, const Tensor& t) {
    if (!options_.fp16 || t.dtype() != DType::F32) return g_.initializer(hint, t);
    std::string half = g_.initializer(hint + ".f16", t.to(DType::F16));
    std::string name = g_.fresh(hint);
    set_attr(g_.node("Cast", {half}, {name}), "to", int64_t(onnx::TensorProto::FLOAT));
    return name;
  }

  // BatchNorm in eval mode reading only a convolution's output becomes that convolution's new
  // weight and bias: w * s and (b - mean) * s + beta, with s = gamma / sqrt(var + eps).
  bool fold_into_conv(const trace::Op& op, const OpNode& n,
                      const std::unordered_map<trace::Key, size_t, trace::KeyHash>& readers) {
    if (op.name != "batch_norm" || std::get<int64_t>(op.attr("training")) != 0) return false;
    trace::Key in = trace::key(op.inputs[0]);
    auto c = convs_.find(in);
    if (c == convs_.end() || readers.at(in) != 1) return false;
    const trace::Op& conv = *c->second.second;
    NoGradGuard no_grad;
    DType t = op.inputs[0].dtype();
    int64_t channels = op.inputs[0].size(1);
    Tensor gamma = op.inputs[1].defined() ? op.inputs[1] : ones({channels}, {t});
    Tensor beta = op.inputs[2].defined() ? op.inputs[2] : zeros({channels}, {t});
    Tensor s = gamma / sqrt(op.inputs[4] + std::get<double>(op.attr("eps")));
    Tensor w = conv.inputs[1] * s.reshape({channels, 1, 1, 1});
    Tensor b = conv.inputs[2].defined() ? conv.inputs[2] : zeros({channels}, {t});
    b = (b - op.inputs[3]) * s + beta;
    onnx::NodeProto& node = *g_.proto().mutable_node(c->second.first);
    std::string base = node.output(0);
    node.set_input(1, weight(base + ".folded_weight", w));
    std::string bias = weight(base + ".folded_bias", b);
    if (node.input_size() > 2)
      node.set_input(2, bias);
    else
      node.add_input(bias);
    // The convolution now writes what the BatchNorm wrote.
    node.set_output(0, n.out[0]);
    node.set_name(n.out[0]);
    convs_.erase(c);
    return true;
  }

  OnnxGraph& g_;
  const OnnxOptions& options_;
  Names names_, params_;
  std::unordered_map<const void*, std::string> module_paths_;
  std::unordered_map<trace::Key, std::string, trace::KeyHash> producers_;
  std::unordered_map<trace::Key, std::pair<int, const trace::Op*>, trace::KeyHash> convs_;
};

// The argmax head: `labels`, the class of the largest logit of `out`, first on ties, [N, H, W].
void add_argmax_head(OnnxGraph& g, const Tensor& out, const OnnxOptions& options) {
  std::string labels = g.fresh("labels");
  bool u8 = options.labels == Labels::U8;
  onnx::NodeProto& arg = g.node("ArgMax", {"out"}, {u8 ? g.fresh("labels_i64") : labels});
  set_attr(arg, "axis", int64_t(1));
  set_attr(arg, "keepdims", int64_t(0));
  if (u8) {
    TESSEL_CHECK(out.size(1) <= 256, "onnx: u8 labels hold 256 classes, the model has ",
                 out.size(1));
    set_attr(g.node("Cast", {arg.output(0)}, {labels}), "to", int64_t(onnx::TensorProto::UINT8));
  }
  Shape label_shape{out.size(0), out.size(2), out.size(3)};
  set_value_info(*g.proto().add_output(), labels, u8 ? DType::U8 : DType::I64, label_shape,
                 options.dynamic_batch);
}

}  // namespace

onnx::ModelProto to_onnx(models::SegmentationModel& model, const Tensor& example,
                         const OnnxOptions& options) {
  TESSEL_CHECK(options.opset >= 13 && options.opset <= 20, "onnx: opset ", options.opset,
               " is not supported; choose 13 to 20");
  TESSEL_CHECK(example.dim() == 4 && is_floating(example.dtype()),
               "onnx: the example input must be a float [N, C, H, W] batch, got ", example.dtype(),
               " of shape ", shape_str(example.sizes()));
  std::vector<trace::Op> ops;
  models::Outputs outputs;
  {
    EvalMode eval(model);
    NoGradGuard no_grad;
    trace::Scope scope;
    outputs = model.forward_outputs(example);
    ops = scope.ops();
  }
  // The argmax head reads "out" alone.
  std::vector<Tensor> output_tensors;
  Names output_names;
  for (const auto& [name, t] : outputs) {
    if (options.labels != Labels::None && name != "out") continue;
    output_tensors.push_back(t);
    output_names[trace::key(t)] = name;
  }

  onnx::ModelProto proto;
  proto.set_ir_version(8);
  proto.set_producer_name("tessel");
  proto.mutable_opset_import()->Add()->set_version(options.opset);
  onnx::GraphProto& graph = *proto.mutable_graph();
  graph.set_name(model.type_name());
  OnnxGraph g(&graph, options.opset, options.dynamic_batch);
  Writer writer(g, model, options);
  g.fresh("input");
  writer.bind(example, "input");
  for (const auto& [name, t] : outputs) g.fresh(name);
  writer.write(trace::live_ops(ops, output_tensors), output_names);

  set_value_info(*graph.add_input(), "input", example.dtype(), example.sizes(),
                 options.dynamic_batch);
  if (options.labels == Labels::None) {
    for (const auto& [name, t] : outputs)
      set_value_info(*graph.add_output(), name, t.dtype(), t.sizes(), options.dynamic_batch);
  } else {
    add_argmax_head(g, outputs.at("out"), options);
  }
  g.finish();
  return proto;
}

void export_onnx(models::SegmentationModel& model, const Tensor& example, const std::string& path,
                 const OnnxOptions& options) {
  std::string bytes = to_onnx(model, example, options).SerializeAsString();
  nn::AtomicFile file(path, "export_onnx");
  file.write(bytes.data(), bytes.size());
  file.commit();
}

}  // namespace tessel::deploy
