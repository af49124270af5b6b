#include "deploy/onnx_ops.h"

#include <map>
#include <numbers>

#include "core/error.h"

namespace tessel::deploy {
namespace {

using V = std::vector<int64_t>;

const V& ints(const trace::Op& op, const std::string& key) {
  return std::get<V>(op.attr(key));
}
int64_t integer(const trace::Op& op, const std::string& key) {
  return std::get<int64_t>(op.attr(key));
}
double real(const trace::Op& op, const std::string& key) {
  return std::get<double>(op.attr(key));
}
const Shape& in_shape(const OpNode& n, size_t i = 0) {
  return n.op.inputs.at(i).sizes();
}
const Shape& out_shape(const OpNode& n) {
  return n.op.outputs.at(0).sizes();
}

// [h, w] padding as ONNX's [h_begin, w_begin, h_end, w_end].
V pads2(const V& p) {
  return {p[0], p[1], p[0], p[1]};
}

// The node writing the op's first output from `inputs`.
onnx::NodeProto& emit(OnnxGraph& g, const OpNode& n, const std::string& type,
                      const std::vector<std::string>& inputs) {
  return g.node(type, inputs, {n.out[0]});
}

// A one-element tensor of the op's first input's dtype (Clip's bounds, Pad's value).
std::string scalar_like(OnnxGraph& g, const OpNode& n, double v, const std::string& hint) {
  return g.initializer(hint, full({}, v, {n.op.inputs[0].dtype()}));
}

// ReduceMean, ReduceMax or ReduceMin over `axes` into `out`: the axes are an attribute before
// opset 18, an input since (ReduceSum's since 13).
void reduce_into(OnnxGraph& g, const std::string& type, const std::string& x, const V& axes,
                 bool keepdims, const std::string& out) {
  bool as_input = g.opset() >= 18 || type == "ReduceSum";
  onnx::NodeProto& r = g.node(
      type,
      as_input ? std::vector<std::string>{x, g.ints(axes, "axes")} : std::vector<std::string>{x},
      {out});
  if (!as_input) set_attr(r, "axes", axes);
  set_attr(r, "keepdims", int64_t(keepdims));
}

std::string reduce_mean(OnnxGraph& g, const std::string& x, const V& axes, bool keepdims,
                        const std::string& hint) {
  std::string out = g.fresh(hint);
  reduce_into(g, "ReduceMean", x, axes, keepdims, out);
  return out;
}

// --- One mapping per traced op.

void conv(OnnxGraph& g, const OpNode& n) {
  bool transposed = n.op.name == "ConvTranspose2d";
  std::vector<std::string> inputs{n.in[0], n.in[1]};
  if (!n.in[2].empty()) inputs.push_back(n.in[2]);
  onnx::NodeProto& c = emit(g, n, transposed ? "ConvTranspose" : "Conv", inputs);
  const Shape& w = in_shape(n, 1);
  set_attr(c, "kernel_shape", V{w[2], w[3]});
  set_attr(c, "strides", ints(n.op, "stride"));
  set_attr(c, "pads", pads2(ints(n.op, "padding")));
  set_attr(c, "dilations", ints(n.op, "dilation"));
  set_attr(c, "group", integer(n.op, "groups"));
  if (transposed) set_attr(c, "output_padding", ints(n.op, "output_padding"));
}

void batch_norm(OnnxGraph& g, const OpNode& n) {
  TESSEL_CHECK(integer(n.op, "training") == 0,
               "onnx: batch_norm in training mode (batch statistics); export a model in eval()");
  int64_t c = in_shape(n)[1];
  DType t = n.op.inputs[0].dtype();
  std::string scale = n.in[1].empty() ? g.initializer("bn_scale", ones({c}, {t})) : n.in[1];
  std::string bias = n.in[2].empty() ? g.initializer("bn_bias", zeros({c}, {t})) : n.in[2];
  onnx::NodeProto& b = emit(g, n, "BatchNormalization", {n.in[0], scale, bias, n.in[3], n.in[4]});
  set_attr(b, "epsilon", float(real(n.op, "eps")));
}

void layer_norm(OnnxGraph& g, const OpNode& n) {
  int64_t axis = integer(n.op, "axis");
  float eps = float(real(n.op, "eps"));
  if (g.opset() >= 17 && !n.in[1].empty() && !n.in[2].empty()) {
    onnx::NodeProto& l = emit(g, n, "LayerNormalization", {n.in[0], n.in[1], n.in[2]});
    set_attr(l, "axis", axis);
    set_attr(l, "epsilon", eps);
    return;
  }
  // (x - mean) / sqrt(var + eps) * weight + bias, over the last -axis dims.
  V axes;
  for (int64_t a = axis; a < 0; ++a) axes.push_back(int64_t(in_shape(n).size()) + a);
  std::string d = g.op("Sub", {n.in[0], reduce_mean(g, n.in[0], axes, true, "ln_mean")}, "ln_d");
  std::string var = reduce_mean(g, g.op("Mul", {d, d}, "ln_sq"), axes, true, "ln_var");
  std::string den =
      g.op("Sqrt", {g.op("Add", {var, scalar_like(g, n, eps, "ln_eps")}, "ln_v")}, "ln_std");
  std::string y = g.op("Div", {d, den}, "ln_norm");
  if (!n.in[1].empty()) y = g.op("Mul", {y, n.in[1]}, "ln_scaled");
  if (!n.in[2].empty()) y = g.op("Add", {y, n.in[2]}, "ln_shifted");
  g.node("Identity", {y}, {n.out[0]});
}

// Ops that are one ONNX node on the same inputs.
template <const char* Type>
void same(OnnxGraph& g, const OpNode& n) {
  emit(g, n, Type, n.in);
}

void rsqrt(OnnxGraph& g, const OpNode& n) {
  emit(g, n, "Reciprocal", {g.op("Sqrt", {n.in[0]}, "sqrt")});
}

void leaky_relu(OnnxGraph& g, const OpNode& n) {
  set_attr(emit(g, n, "LeakyRelu", {n.in[0]}), "alpha", float(real(n.op, "a")));
}

void elu(OnnxGraph& g, const OpNode& n) {
  set_attr(emit(g, n, "Elu", {n.in[0]}), "alpha", float(real(n.op, "a")));
}

// PyTorch's hardsigmoid: relu6(x + 3) / 6.
void set_hardsigmoid(onnx::NodeProto& h) {
  set_attr(h, "alpha", float(1.0 / 6.0));
  set_attr(h, "beta", 0.5f);
}

void hardsigmoid(OnnxGraph& g, const OpNode& n) {
  set_hardsigmoid(emit(g, n, "HardSigmoid", {n.in[0]}));
}

void hardswish(OnnxGraph& g, const OpNode& n) {
  if (g.opset() >= 14) {
    emit(g, n, "HardSwish", {n.in[0]});
    return;
  }
  std::string h = g.fresh("hardsigmoid");
  set_hardsigmoid(g.node("HardSigmoid", {n.in[0]}, {h}));
  emit(g, n, "Mul", {n.in[0], h});
}

void silu(OnnxGraph& g, const OpNode& n) {
  emit(g, n, "Mul", {n.in[0], g.op("Sigmoid", {n.in[0]}, "sigmoid")});
}

void gelu(OnnxGraph& g, const OpNode& n) {
  if (g.opset() >= 20) {
    emit(g, n, "Gelu", {n.in[0]});
    return;
  }
  // 0.5 x (1 + erf(x / sqrt 2))
  std::string e = g.op(
      "Erf",
      {g.op("Mul", {n.in[0], scalar_like(g, n, std::numbers::sqrt2 / 2, "rsqrt2")}, "gelu_scaled")},
      "gelu_erf");
  std::string one_plus = g.op("Add", {e, scalar_like(g, n, 1.0, "one")}, "gelu_1p");
  std::string half_x = g.op("Mul", {n.in[0], scalar_like(g, n, 0.5, "half")}, "gelu_hx");
  emit(g, n, "Mul", {half_x, one_plus});
}

void clamp(OnnxGraph& g, const OpNode& n) {
  emit(g, n, "Clip",
       {n.in[0], scalar_like(g, n, real(n.op, "a"), "clip_min"),
        scalar_like(g, n, real(n.op, "b"), "clip_max")});
}

void cast(OnnxGraph& g, const OpNode& n) {
  if (n.op.inputs[0].dtype() == n.op.outputs[0].dtype()) {
    emit(g, n, "Identity", {n.in[0]});
    return;
  }
  set_attr(emit(g, n, "Cast", {n.in[0]}), "to", int64_t(onnx_type(n.op.outputs[0].dtype())));
}

void reduce(OnnxGraph& g, const OpNode& n) {
  static const std::map<std::string, std::string> types = {
      {"sum", "ReduceSum"}, {"mean", "ReduceMean"}, {"max", "ReduceMax"}, {"min", "ReduceMin"}};
  reduce_into(g, types.at(n.op.name), n.in[0], ints(n.op, "dims"), integer(n.op, "keepdim") != 0,
              n.out[0]);
}

void softmax(OnnxGraph& g, const OpNode& n) {
  set_attr(emit(g, n, n.op.name == "softmax" ? "Softmax" : "LogSoftmax", {n.in[0]}), "axis",
           integer(n.op, "dim"));
}

void cat(OnnxGraph& g, const OpNode& n) {
  set_attr(emit(g, n, "Concat", n.in), "axis", integer(n.op, "dim"));
}

// Reshape's target, its leading dim left to the run time so that a dynamic batch passes: 0 (the
// input's) when it equals the input's, else -1 (what the others leave), since a reshape that
// changes the leading dim merges the batch into it ([N, L, C] -> [N L, C]) or splits it out.
void reshape(OnnxGraph& g, const OpNode& n) {
  Shape s = out_shape(n);
  if (!s.empty() && !in_shape(n).empty()) s[0] = s[0] == in_shape(n)[0] ? 0 : -1;
  emit(g, n, "Reshape", {n.in[0], g.ints(s, "shape")});
}

// Expand's target; dims the input already has are 1 (ONNX broadcasts: kept).
void expand(OnnxGraph& g, const OpNode& n) {
  Shape s = out_shape(n);
  const Shape& in = in_shape(n);
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i] == s[s.size() - in.size() + i]) s[s.size() - in.size() + i] = 1;
  emit(g, n, "Expand", {n.in[0], g.ints(s, "shape")});
}

void permute(OnnxGraph& g, const OpNode& n) {
  set_attr(emit(g, n, "Transpose", {n.in[0]}), "perm", ints(n.op, "dims"));
}

void slice(OnnxGraph& g, const OpNode& n) {
  emit(g, n, "Slice",
       {n.in[0], g.ints({integer(n.op, "start")}, "starts"), g.ints({integer(n.op, "end")}, "ends"),
        g.ints({integer(n.op, "dim")}, "axes"), g.ints({integer(n.op, "step")}, "steps")});
}

void pad(OnnxGraph& g, const OpNode& n) {
  // Tessel's pads are (begin, end) pairs from the last dim backwards; ONNX's all begins, then
  // all ends, from the first dim.
  const V& p = ints(n.op, "pads");
  size_t rank = in_shape(n).size();
  V onnx_pads(2 * rank, 0);
  for (size_t i = 0; i < p.size() / 2; ++i) {
    onnx_pads[rank - 1 - i] = p[2 * i];
    onnx_pads[2 * rank - 1 - i] = p[2 * i + 1];
  }
  static const char* modes[] = {"constant", "reflect", "edge"};
  onnx::NodeProto& node = emit(
      g, n, "Pad",
      {n.in[0], g.ints(onnx_pads, "pads"), scalar_like(g, n, real(n.op, "value"), "pad_value")});
  set_attr(node, "mode", std::string(modes[integer(n.op, "mode")]));
}

// Whether PyTorch's ceil_mode made the pooled size, along `axis` (0: height, 1: width).
bool ceil_mode(const OpNode& n, int axis) {
  int64_t in = in_shape(n)[size_t(2 + axis)], out = out_shape(n)[size_t(2 + axis)];
  int64_t k = ints(n.op, "kernel")[size_t(axis)], s = ints(n.op, "stride")[size_t(axis)];
  int64_t p = ints(n.op, "padding")[size_t(axis)], d = ints(n.op, "dilation")[size_t(axis)];
  return out != (in + 2 * p - d * (k - 1) - 1) / s + 1;
}

void set_window(onnx::NodeProto& node, const OpNode& n) {
  set_attr(node, "kernel_shape", ints(n.op, "kernel"));
  set_attr(node, "strides", ints(n.op, "stride"));
  set_attr(node, "pads", pads2(ints(n.op, "padding")));
  set_attr(node, "ceil_mode", int64_t(ceil_mode(n, 0) || ceil_mode(n, 1)));
}

void max_pool(OnnxGraph& g, const OpNode& n) {
  std::vector<std::string> outs{n.out[0]};
  if (!n.out[1].empty()) outs.push_back(n.out[1]);
  onnx::NodeProto& node = g.node("MaxPool", {n.in[0]}, outs);
  set_window(node, n);
  set_attr(node, "dilations", ints(n.op, "dilation"));
}

void avg_pool(OnnxGraph& g, const OpNode& n) {
  onnx::NodeProto& node = emit(g, n, "AveragePool", {n.in[0]});
  set_window(node, n);
  set_attr(node, "count_include_pad", integer(n.op, "count_include_pad"));
}

// Adaptive average pooling along one axis of x: bin i averages [floor(i in / out),
// ceil((i + 1) in / out)). Equal bins are one AveragePool, others a slice and mean each.
std::string adaptive_axis(OnnxGraph& g, const std::string& x, int64_t axis, int64_t in,
                          int64_t out) {
  if (in == out) return x;
  if (in % out == 0) {
    int64_t k = in / out;
    V kernel = axis == 2 ? V{k, 1} : V{1, k};
    std::string y = g.fresh("adaptive_pool");
    onnx::NodeProto& p = g.node("AveragePool", {x}, {y});
    set_attr(p, "kernel_shape", kernel);
    set_attr(p, "strides", kernel);
    return y;
  }
  std::vector<std::string> bins;
  for (int64_t i = 0; i < out; ++i) {
    int64_t lo = i * in / out, hi = ((i + 1) * in + out - 1) / out;
    std::string part =
        g.op("Slice", {x, g.ints({lo}, "starts"), g.ints({hi}, "ends"), g.ints({axis}, "axes")},
             "adaptive_bin");
    bins.push_back(reduce_mean(g, part, {axis}, true, "adaptive_mean"));
  }
  std::string y = g.fresh("adaptive_pool");
  set_attr(g.node("Concat", bins, {y}), "axis", axis);
  return y;
}

void adaptive_avg_pool(OnnxGraph& g, const OpNode& n) {
  const Shape &in = in_shape(n), &out = out_shape(n);
  if (out[2] == 1 && out[3] == 1) {
    emit(g, n, "GlobalAveragePool", {n.in[0]});
    return;
  }
  std::string h = adaptive_axis(g, n.in[0], 2, in[2], out[2]);
  g.node("Identity", {adaptive_axis(g, h, 3, in[3], out[3])}, {n.out[0]});
}

void max_unpool(OnnxGraph& g, const OpNode& n) {
  onnx::NodeProto& node =
      emit(g, n, "MaxUnpool", {n.in[0], n.in[1], g.batch_shape(n.in[0], out_shape(n))});
  set_attr(node, "kernel_shape", ints(n.op, "kernel"));
  set_attr(node, "strides", ints(n.op, "stride"));
  set_attr(node, "pads", pads2(ints(n.op, "padding")));
}

// Resize: align_corners keeps the corners; otherwise the source coordinate is (target + 0.5)
// * scale - 0.5 (bilinear, half_pixel) or target * scale (nearest, asymmetric, floor). With
// the output size ONNX takes scale = in / out; a scale_factor PyTorch used as given goes as
// ONNX's scales, so that both compute the same coordinates.
void upsample(OnnxGraph& g, const OpNode& n) {
  bool nearest = n.op.name == "UpsampleNearest";
  bool corners = integer(n.op, "align_corners") != 0;
  const auto& coord = std::get<std::vector<double>>(n.op.attr("coordinate_scale"));
  const Shape &in = in_shape(n), &out = out_shape(n);
  size_t r = in.size();
  bool by_size = corners || (coord[0] == double(in[r - 2]) / double(out[r - 2]) &&
                             coord[1] == double(in[r - 1]) / double(out[r - 1]));
  std::string roi = "", scales = "", sizes = "";
  if (by_size) {
    sizes = g.batch_shape(n.in[0], out);
  } else {
    std::vector<float> s(r, 1.0f);
    s[r - 2] = float(1.0 / coord[0]), s[r - 1] = float(1.0 / coord[1]);
    scales = g.floats(s, "scales");
  }
  onnx::NodeProto& node = emit(g, n, "Resize", {n.in[0], roi, scales, sizes});
  set_attr(node, "mode", std::string(nearest ? "nearest" : "linear"));
  set_attr(node, "coordinate_transformation_mode",
           std::string(corners ? "align_corners" : (nearest ? "asymmetric" : "half_pixel")));
  if (nearest) set_attr(node, "nearest_mode", std::string("floor"));
}

constexpr char kAdd[] = "Add", kSub[] = "Sub", kMul[] = "Mul", kDiv[] = "Div", kPow[] = "Pow",
               kMax[] = "Max", kMin[] = "Min", kNeg[] = "Neg", kAbs[] = "Abs", kExp[] = "Exp",
               kLog[] = "Log", kSqrt[] = "Sqrt", kSigmoid[] = "Sigmoid", kTanh[] = "Tanh",
               kRelu[] = "Relu", kMatMul[] = "MatMul";

}  // namespace

Mapping onnx_mapping(const std::string& op_name) {
  static const std::map<std::string, Mapping> table = {
      {"Conv2d", conv},
      {"ConvTranspose2d", conv},
      {"batch_norm", batch_norm},
      {"layer_norm", layer_norm},
      {"Add", same<kAdd>},
      {"Sub", same<kSub>},
      {"Mul", same<kMul>},
      {"Div", same<kDiv>},
      {"Pow", same<kPow>},
      {"maximum", same<kMax>},
      {"minimum", same<kMin>},
      {"neg", same<kNeg>},
      {"abs", same<kAbs>},
      {"exp", same<kExp>},
      {"log", same<kLog>},
      {"sqrt", same<kSqrt>},
      {"rsqrt", rsqrt},
      {"sigmoid", same<kSigmoid>},
      {"tanh", same<kTanh>},
      {"relu", same<kRelu>},
      {"leaky_relu", leaky_relu},
      {"elu", elu},
      {"hardsigmoid", hardsigmoid},
      {"hardswish", hardswish},
      {"silu", silu},
      {"gelu", gelu},
      {"clamp", clamp},
      {"To", cast},
      {"Matmul", same<kMatMul>},
      {"sum", reduce},
      {"mean", reduce},
      {"max", reduce},
      {"min", reduce},
      {"softmax", softmax},
      {"log_softmax", softmax},
      {"Cat", cat},
      {"Reshape", reshape},
      {"Expand", expand},
      {"Permute", permute},
      {"Slice", slice},
      {"Pad", pad},
      {"MaxPool2d", max_pool},
      {"AvgPool2d", avg_pool},
      {"AdaptiveAvgPool2d", adaptive_avg_pool},
      {"MaxUnpool2d", max_unpool},
      {"UpsampleBilinear", upsample},
      {"UpsampleNearest", upsample},
  };
  auto it = table.find(op_name);
  return it == table.end() ? nullptr : it->second;
}

}  // namespace tessel::deploy
