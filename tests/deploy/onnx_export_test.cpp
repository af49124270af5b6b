// ONNX export against Debian's ONNX checker (onnx::checker, full graph check) and the graph's
// structure; tools/check_onnx.py compares the numbers with onnxruntime where it is installed.
#include "deploy/onnx_export.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "engine/ops.h"
#include "models/registry.h"
#include "tests/data/temp_dir.h"

using namespace tessel;
using deploy::Labels;
using deploy::OnnxOptions;

namespace {

onnx::ModelProto exported(const std::string& name, const OnnxOptions& options = {},
                          Shape input = {1, 3, 64, 64}, bool aux = false) {
  auto model = models::create(name, {.num_classes = 5, .aux = aux});
  return deploy::to_onnx(*model, randn(input), options);
}

// The checker's full check: every node against its schema at the model's opset, and shape
// inference over the graph.
void check(const onnx::ModelProto& m) {
  onnx::checker::check_model(m);
  onnx::ModelProto inferred = m;
  onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(),
                                     onnx::ShapeInferenceOptions(true, 1));
  // The inferred output shapes are the declared ones.
  for (int i = 0; i < m.graph().output_size(); ++i)
    EXPECT_EQ(inferred.graph().output(i).DebugString(), m.graph().output(i).DebugString());
}

std::multiset<std::string> node_types(const onnx::ModelProto& m) {
  std::multiset<std::string> types;
  for (const auto& n : m.graph().node()) types.insert(n.op_type());
  return types;
}

const onnx::TensorProto* initializer(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& t : m.graph().initializer())
    if (t.name() == name) return &t;
  return nullptr;
}

std::vector<int64_t> dims(const onnx::ValueInfoProto& v) {
  std::vector<int64_t> out;
  for (const auto& d : v.type().tensor_type().shape().dim())
    out.push_back(d.has_dim_param() ? -1 : d.dim_value());
  return out;
}

// The graph as text, a line per input, output, initializer (name, type, shape) and node (type,
// inputs, outputs, attributes), in the file's order: what the committed expectation holds.
std::string structure(const onnx::ModelProto& m) {
  std::ostringstream out;
  auto shape = [](const auto& dims) {
    std::string s = "[";
    for (decltype(dims.size()) i = 0; i < dims.size(); ++i) {
      if (i) s += ",";
      s += std::to_string(dims[i]);
    }
    return s + "]";
  };
  for (const auto& v : m.graph().input())
    out << "input " << v.name() << " " << shape(dims(v)) << "\n";
  for (const auto& v : m.graph().output())
    out << "output " << v.name() << " " << shape(dims(v)) << "\n";
  for (const auto& t : m.graph().initializer())
    out << "initializer " << t.name() << " " << onnx::TensorProto_DataType_Name(t.data_type())
        << " " << shape(t.dims()) << "\n";
  for (const auto& n : m.graph().node()) {
    out << "node " << n.op_type() << " (";
    for (int i = 0; i < n.input_size(); ++i) out << (i ? " " : "") << n.input(i);
    out << ") -> (";
    for (int i = 0; i < n.output_size(); ++i) out << (i ? " " : "") << n.output(i);
    out << ")";
    for (const auto& a : n.attribute()) {
      out << " " << a.name() << "=";
      if (a.has_i()) out << a.i();
      if (a.has_f()) out << a.f();
      if (a.has_s()) out << a.s();
      if (a.ints_size()) out << shape(a.ints());
    }
    out << "\n";
  }
  return out.str();
}

// The node writing `value`, or nullptr.
const onnx::NodeProto* writer(const onnx::ModelProto& m, const std::string& value) {
  for (const auto& n : m.graph().node())
    if (std::count(n.output().begin(), n.output().end(), value)) return &n;
  return nullptr;
}

// A model that is one module, "head", running `f`.
struct Head : nn::Module {
  std::function<Tensor(const Tensor&)> f;
  explicit Head(std::function<Tensor(const Tensor&)> fn) : Module("Head"), f(std::move(fn)) {}
  Tensor forward(const Tensor& x) override {
    auto scope = trace_scope();
    return f(x);
  }
};
struct Headed : models::SegmentationModel {
  std::shared_ptr<Head> head;
  explicit Headed(std::function<Tensor(const Tensor&)> f) : SegmentationModel("Headed") {
    head = register_module("head", std::make_shared<Head>(std::move(f)));
  }
  models::Outputs forward_outputs(const Tensor& x) override { return {{"out", head->forward(x)}}; }
};

}  // namespace

TEST(OnnxExport, DeepLabV3IsAValidGraphWithItsWeightsAsInitializers) {
  onnx::ModelProto m = exported("deeplabv3_resnet50", {}, {1, 3, 64, 64}, true);
  check(m);
  EXPECT_EQ(m.opset_import(0).version(), 17);
  ASSERT_EQ(m.graph().input_size(), 1);
  EXPECT_EQ(m.graph().input(0).name(), "input");
  EXPECT_EQ(dims(m.graph().input(0)), (std::vector<int64_t>{1, 3, 64, 64}));
  ASSERT_EQ(m.graph().output_size(), 2);
  EXPECT_EQ(m.graph().output(0).name(), "out");
  EXPECT_EQ(m.graph().output(1).name(), "aux");
  EXPECT_EQ(dims(m.graph().output(0)), (std::vector<int64_t>{1, 5, 64, 64}));
  // Weights under their state-dict names; BatchNorm's running statistics too.
  const onnx::TensorProto* w = initializer(m, "backbone.conv1.weight");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(std::vector<int64_t>(w->dims().begin(), w->dims().end()),
            (std::vector<int64_t>{64, 3, 7, 7}));
  EXPECT_NE(initializer(m, "backbone.bn1.running_var"), nullptr);
  std::multiset<std::string> types = node_types(m);
  EXPECT_EQ(types.count("Conv"), 53 + 5 + 1 + 2 + 2u);  // backbone, ASPP and projection, heads
  for (const char* t :
       {"BatchNormalization", "Relu", "MaxPool", "Add", "GlobalAveragePool", "Concat", "Resize"})
    EXPECT_GT(types.count(t), 0u) << t;
}

// The whole graph of a small model against the committed expectation: a change to any mapping,
// attribute, name or order shows here. On a change that is meant, the failure names a file
// holding the new text to review and copy over tests/fixtures/onnx/unet_small_structure.txt.
TEST(OnnxExport, SmallUNetGraphIsTheCommittedOne) {
  const std::string expected_file = std::string(TESSEL_FIXTURES) + "/onnx/unet_small_structure.txt";
  std::ifstream in(expected_file);
  ASSERT_TRUE(in.good()) << expected_file;
  const std::string expected((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  auto model = models::create("unet_small", {.num_classes = 5});
  const std::string actual = structure(deploy::to_onnx(*model, zeros({1, 3, 32, 32}), {}));
  if (actual != expected) {
    const std::string written =
        (std::filesystem::temp_directory_path() / "unet_small_structure.txt").string();
    std::ofstream(written) << actual;
    ADD_FAILURE() << "the exported graph differs from " << expected_file << "; it is in "
                  << written;
  }
}

// Debian's ONNX in Python (python3-onnx, which scripts/test.sh installs) checks a file
// tessel-export's code wrote, as an outside reader would.
TEST(OnnxExport, PythonOnnxCheckerAcceptsTheFile) {
  // Debian's interpreter, which Debian's package is for (python3 on PATH may be another).
  if (std::system("/usr/bin/python3 -c 'import onnx' 2>/dev/null") != 0)
    GTEST_SKIP() << "/usr/bin/python3 has no onnx module (Debian: python3-onnx)";
  tessel::testing::TempDir dir;
  auto model = models::create("unet_small", {.num_classes = 5});
  const std::string file = dir.path("unet_small.onnx");
  deploy::export_onnx(*model, zeros({1, 3, 32, 32}), file, {});
  const std::string command =
      "/usr/bin/python3 -c 'import onnx, sys; onnx.checker.check_model(sys.argv[1], "
      "full_check=True); "
      "print(\"checked\")' " +
      file + " 2>&1";
  std::string output;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buffer[512];
    while (fgets(buffer, sizeof buffer, p)) output += buffer;
    EXPECT_EQ(pclose(p), 0) << output;
  }
  EXPECT_NE(output.find("checked"), std::string::npos) << output;
}

TEST(OnnxExport, EveryRegisteredModelExportsAndChecks) {
  // Each model's graph is valid at opset 17. PAN's pyramid attention needs 128x128 at least, a
  // ViT/14 multiples of 14.
  for (const std::string& name : models::names()) {
    SCOPED_TRACE(name);
    try {
      check(exported(name, {},
                     name.starts_with("pan_")      ? Shape{1, 3, 128, 192}
                     : name.starts_with("dinov2_") ? Shape{1, 3, 70, 98}
                                                   : Shape{1, 3, 64, 96}));
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
}

TEST(OnnxExport, OpsetsFrom13To17CheckAndOthersAreRefused) {
  // SegFormer: LayerNormalization from 17, Gelu from 20, decomposed before; HardSwish (LR-ASPP)
  // from 14.
  for (const std::string name : {"segformer_b0", "lraspp_mobilenet_v3_large"})
    for (int opset = 13; opset <= 17; ++opset) {
      SCOPED_TRACE(name + " opset " + std::to_string(opset));
      onnx::ModelProto m = exported(name, {.opset = opset});
      EXPECT_EQ(m.opset_import(0).version(), opset);
      check(m);
    }
  EXPECT_EQ(node_types(exported("segformer_b0", {.opset = 20})).count("Gelu"), 4u * 2);
  for (int opset : {12, 21}) {
    try {
      exported("enet", {.opset = opset});
      ADD_FAILURE() << "opset " << opset << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("choose 13 to 20"), std::string::npos) << e.what();
    }
  }
}

TEST(OnnxExport, FoldBnLeavesNoBatchNormAfterAConvolution) {
  onnx::ModelProto plain = exported("fcn_resnet18");
  onnx::ModelProto folded = exported("fcn_resnet18", {.fold_bn = true});
  check(folded);
  EXPECT_GT(node_types(plain).count("BatchNormalization"), 0u);
  EXPECT_EQ(node_types(folded).count("BatchNormalization"), 0u);
  EXPECT_EQ(node_types(folded).count("Conv"), node_types(plain).count("Conv"));
  EXPECT_NE(initializer(folded, "backbone.conv1/Conv2d.folded_weight"), nullptr);
  // What folding replaced is gone.
  EXPECT_EQ(initializer(folded, "backbone.conv1.weight"), nullptr);
  EXPECT_EQ(initializer(folded, "backbone.bn1.running_var"), nullptr);
  for (const auto& n : folded.graph().node())
    for (const std::string& i : n.input())
      EXPECT_TRUE(i.empty() || i == "input" || initializer(folded, i) ||
                  std::any_of(folded.graph().node().begin(), folded.graph().node().end(),
                              [&](const onnx::NodeProto& p) {
                                return std::count(p.output().begin(), p.output().end(), i) > 0;
                              }))
          << i;
}

TEST(OnnxExport, ArgmaxHeadOutputsTheLabelMap) {
  for (Labels labels : {Labels::I64, Labels::U8}) {
    onnx::ModelProto m = exported("enet", {.labels = labels}, {2, 3, 64, 64});
    check(m);
    ASSERT_EQ(m.graph().output_size(), 1);
    const auto& out = m.graph().output(0);
    EXPECT_EQ(out.name(), "labels");
    EXPECT_EQ(dims(out), (std::vector<int64_t>{2, 64, 64}));
    EXPECT_EQ(out.type().tensor_type().elem_type(),
              labels == Labels::U8 ? onnx::TensorProto::UINT8 : onnx::TensorProto::INT64);
    EXPECT_EQ(node_types(m).count("ArgMax"), 1u);
  }
}

TEST(OnnxExport, Fp16StoresHalfWeightsAndDynamicBatchIsSymbolic) {
  onnx::ModelProto m = exported("enet", {.dynamic_batch = true, .fp16 = true});
  check(m);
  auto enet = models::create("enet", {});
  const onnx::TensorProto* w = initializer(m, enet->named_parameters().keys()[0] + ".f16");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->data_type(), onnx::TensorProto::FLOAT16);
  EXPECT_EQ(dims(m.graph().input(0))[0], -1);
  EXPECT_EQ(m.graph().input(0).type().tensor_type().shape().dim(0).dim_param(), "batch");
  EXPECT_EQ(dims(m.graph().output(0))[0], -1);
  // Folded weights in f16: their casts come before the convolutions that read them.
  check(exported("fcn_resnet18", {.fold_bn = true, .fp16 = true}));
  // SegFormer's attention reshapes [N, L, C] to [N L, C] and back: no Reshape holds the traced
  // batch as a constant; each leading dim is 0 (the input's), -1 (inferred) or read at run time.
  onnx::ModelProto segformer = exported("segformer_b0", {.dynamic_batch = true}, {2, 3, 64, 64});
  check(segformer);
  int reshapes = 0;
  for (const auto& n : segformer.graph().node()) {
    if (n.op_type() != "Reshape") continue;
    if (const onnx::TensorProto* shape = initializer(segformer, n.input(1))) {
      EXPECT_LE(shape->int64_data(0), 0) << n.name();
    } else {
      EXPECT_TRUE(writer(segformer, n.input(1)) != nullptr) << n.name();
    }
    ++reshapes;
  }
  EXPECT_GT(reshapes, 0);
}

TEST(OnnxExport, DynamicSizeMakesHeightAndWidthSymbolicAndReadsSizesAtRunTime) {
  // PSPNet: adaptive pooling into 2, 3 and 6 bins of a size known only at run time, and the
  // upsampling back to the input's size; ENet: unpooling (a scatter into zeros: no runtime but
  // onnxruntime has MaxUnpool) to a size read from the map before pooling.
  for (const std::string name : {"pspnet_resnet50", "enet", "segformer_b0"}) {
    SCOPED_TRACE(name);
    onnx::ModelProto m = exported(name, {.dynamic_batch = true, .dynamic_size = true});
    check(m);
    for (const auto* v : {&m.graph().input(0), &m.graph().output(0)}) {
      const auto& d = v->type().tensor_type().shape().dim();
      EXPECT_EQ(d[0].dim_param(), "batch") << v->name();
      EXPECT_EQ(d[2].dim_param(), "height") << v->name();
      EXPECT_EQ(d[3].dim_param(), "width") << v->name();
    }
    // Every Resize's target size, and every shape an op takes, is computed in the graph.
    for (const auto& n : m.graph().node()) {
      if (n.op_type() == "Resize" && n.input_size() > 3 && !n.input(3).empty()) {
        EXPECT_EQ(initializer(m, n.input(3)), nullptr) << n.name();
      }
      if (n.op_type() == "ConstantOfShape") {  // unpooling's zeros
        EXPECT_EQ(initializer(m, n.input(0)), nullptr) << n.name();
      }
    }
    if (name == "pspnet_resnet50") {
      EXPECT_GT(node_types(m).count("Div"), 0u);  // bin bounds
    }
    if (name == "enet") {
      EXPECT_EQ(node_types(m).count("MaxUnpool"), 0u);
      EXPECT_GT(node_types(m).count("ScatterElements"), 0u);
    }
  }
  // Without dynamic axes the same graph holds them as constants.
  onnx::ModelProto fixed = exported("pspnet_resnet50");
  EXPECT_EQ(node_types(fixed).count("Shape"), 0u);
  EXPECT_EQ(node_types(fixed).count("Div"), 0u);
}

TEST(OnnxExport, DynamicSizeRefusesAGraphThatDependsOnTheShapeInAnotherWay) {
  // A forward that pads to even sizes and one that makes a constant of the input's shape: at
  // the probe's odd sizes the first pads where the trace did not, the second's constant has
  // another shape. Both export with a fixed size.
  auto pad_even = [](const Tensor& x) {
    return pad(x, {0, x.size(3) % 2 + 1, 0, x.size(2) % 2 + 1});
  };
  auto add_zeros = [](const Tensor& x) { return x + zeros(x.sizes()); };
  std::pair<std::function<Tensor(const Tensor&)>, std::string> cases[] = {
      {pad_even, "op 'Pad' called by module 'head' has its attribute 'pads' depend on the input"},
      {add_zeros, "reads a constant made in the forward of shape [1, 3, 16, 16] that depends on"}};
  for (const auto& [forward, message] : cases) {
    Headed model(forward);
    EXPECT_NO_THROW(deploy::to_onnx(model, randn({1, 3, 16, 16})));
    try {
      deploy::to_onnx(model, randn({1, 3, 16, 16}), {.dynamic_size = true});
      ADD_FAILURE() << "exported: " << message;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("export without dynamic axes"), std::string::npos);
    }
  }
}

TEST(OnnxExport, AnOpWithoutMappingNamesTheOpAndTheModule) {
  // cumsum, which no model runs.
  Headed model([](const Tensor& x) { return cumsum(x.reshape({-1})).reshape(x.sizes()); });
  try {
    deploy::to_onnx(model, randn({1, 3, 8, 8}));
    ADD_FAILURE() << "exported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no ONNX mapping for op 'cumsum' called by module 'head'"),
              std::string::npos)
        << e.what();
  }
  auto model2 = models::create("enet", {});
  EXPECT_THROW(deploy::to_onnx(*model2, randn({3, 64, 64})), Error);  // not a batch
}

TEST(OnnxExport, WritesTheFileAtomicallyAndRestoresTheModelsMode) {
  tessel::testing::TempDir dir;
  auto model = models::create("enet", {.num_classes = 3});
  model->train();
  const std::string path = dir.path("enet.onnx");
  deploy::export_onnx(*model, randn({1, 3, 32, 32}), path);
  EXPECT_TRUE(model->is_training());
  onnx::checker::check_model(path);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.root()),
                          std::filesystem::directory_iterator()),
            1);  // no temporary file left
}
