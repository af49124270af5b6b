// nn::Module: names, nesting, containers, modes, in-place moves, gradients, state dicts and the
// printed summary, checked against PyTorch's names and repr (tests/fixtures/nn_repr.txt).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "nn/nn.h"
#include "tests/fixture.h"
#include "tests/op_harness.h"

namespace tessel::nn {
namespace {

using ::tessel::testing::all_close;
using ::tessel::testing::error_of;

// The model of tests/fixtures/gen_nn_layers.py (class Net), layer for layer.
struct Net : Module {
  std::shared_ptr<Sequential> stem;
  std::shared_ptr<ModuleList> blocks;
  std::shared_ptr<Sequential> acts;
  std::shared_ptr<ModuleDict> pools, heads;
  std::shared_ptr<LayerNorm> norm;
  std::shared_ptr<Linear> fc;

  Net() : Module("Net") {
    stem =
        register_module("stem", std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
                                    std::make_shared<Conv2d>(3, 8, 3, 2, 1, 1, 1, false),
                                    std::make_shared<BatchNorm2d>(8), std::make_shared<ReLU>()}));
    blocks = register_module("blocks", std::make_shared<ModuleList>());
    blocks->push_back(std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
        std::make_shared<Conv2d>(8, 8, 3, 1, 2, 2, 8, true, "reflect"),
        std::make_shared<GroupNorm>(2, 8), std::make_shared<ReLU6>()}));
    blocks->push_back(std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
        std::make_shared<Conv2d>(8, 8, 1),
        std::make_shared<BatchNorm2d>(8, 1e-5, std::nullopt, false),
        std::make_shared<LeakyReLU>(0.2)}));
    acts = register_module("acts", std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
                                       std::make_shared<ELU>(), std::make_shared<Hardsigmoid>(),
                                       std::make_shared<Hardswish>(), std::make_shared<SiLU>(),
                                       std::make_shared<GELU>(), std::make_shared<Sigmoid>(),
                                       std::make_shared<Tanh>(), std::make_shared<Identity>()}));
    pools = register_module("pools", std::make_shared<ModuleDict>());
    pools->insert("max", std::make_shared<MaxPool2d>(3, 2, 1));
    pools->insert("avg", std::make_shared<AvgPool2d>(Int2{2, 3}));
    pools->insert("adaptive", std::make_shared<AdaptiveAvgPool2d>(1));
    heads = register_module(
        "heads",
        std::make_shared<ModuleDict>(std::vector<std::pair<std::string, ModulePtr>>{
            {"up", std::make_shared<Upsample>(Upsample::Options{
                       .scale_factor = 2.0, .mode = "bilinear", .align_corners = false})},
            {"up_size", std::make_shared<Upsample>(Upsample::Options{.size = Int2{16, 24}})},
            {"deconv", std::make_shared<ConvTranspose2d>(8, 4, 2, 2, 0, 1, 1, false)},
            {"drop", std::make_shared<Dropout>(0.1)},
            {"drop2d", std::make_shared<Dropout2d>()}}));
    norm = register_module("norm", std::make_shared<LayerNorm>(8));
    fc = register_module("fc", std::make_shared<Linear>(8, 5));
  }
};

// nn_repr.txt: the repr, then "### state_dict" with "key [shape] dtype" lines, then
// "### num_parameters" and the count.
struct ReprFixture {
  std::string repr;
  std::vector<std::string> state_lines;
  int64_t num_parameters = 0;
};
ReprFixture load_repr_fixture() {
  std::ifstream in(tessel::testing::fixture_path("nn_repr.txt"));
  EXPECT_TRUE(in.good());
  ReprFixture f;
  std::string line, section;
  while (std::getline(in, line)) {
    if (line.rfind("### ", 0) == 0) {
      section = line.substr(4);
    } else if (section.empty()) {
      f.repr += (f.repr.empty() ? "" : "\n") + line;
    } else if (section == "state_dict") {
      f.state_lines.push_back(line);
    } else {
      f.num_parameters = std::stoll(line);
    }
  }
  return f;
}

// A small model with parameters, a buffer and nesting, for the tests that do not need Net.
struct Small : Module {
  std::shared_ptr<Conv2d> conv;
  std::shared_ptr<BatchNorm2d> bn;
  std::shared_ptr<Sequential> head;
  Tensor scale;
  Small() : Module("Small") {
    conv = register_module("conv", std::make_shared<Conv2d>(2, 3, 3, 1, 1));
    bn = register_module("bn", std::make_shared<BatchNorm2d>(3));
    head =
        register_module("head", std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
                                    std::make_shared<ReLU>(), std::make_shared<Conv2d>(3, 2, 1)}));
    scale = register_parameter("scale", ones({1}));
  }
  Tensor forward(const Tensor& x) override {
    return head->forward(bn->forward(conv->forward(x))) * scale;
  }
};

TEST(NnModule, StateDictNamesShapesAndDtypesMatchPyTorch) {
  auto net = std::make_shared<Net>();
  ReprFixture f = load_repr_fixture();
  std::vector<std::string> ours;
  for (const auto& [key, t] : net->state_dict())
    ours.push_back(key + " " + shape_str(t.sizes()) + " " + dtype_name(t.dtype()));
  EXPECT_EQ(ours, f.state_lines);
  EXPECT_EQ(net->num_parameters(), f.num_parameters);
}

TEST(NnModule, SummaryMatchesPyTorchRepr) {
  auto net = std::make_shared<Net>();
  EXPECT_EQ(net->summary(), load_repr_fixture().repr);
  std::ostringstream os;
  os << *net->fc;
  EXPECT_EQ(os.str(), "Linear(in_features=8, out_features=5, bias=True)");
}

TEST(NnModule, NamedParametersBuffersModulesInRegistrationOrder) {
  Small m;  // also works for a module not held by a shared_ptr
  EXPECT_EQ(m.named_parameters().keys(),
            (std::vector<std::string>{"scale", "conv.weight", "conv.bias", "bn.weight", "bn.bias",
                                      "head.1.weight", "head.1.bias"}));
  EXPECT_EQ(m.named_parameters(false).keys(), std::vector<std::string>{"scale"});
  EXPECT_EQ(m.named_buffers().keys(), (std::vector<std::string>{"bn.running_mean", "bn.running_var",
                                                                "bn.num_batches_tracked"}));
  EXPECT_EQ(m.named_modules().keys(),
            (std::vector<std::string>{"", "conv", "bn", "head", "head.0", "head.1"}));
  EXPECT_EQ(m.named_modules().at("").get(), &m);
  EXPECT_EQ(m.named_children().keys(), (std::vector<std::string>{"conv", "bn", "head"}));
  EXPECT_EQ(m.parameters().size(), 7u);
  EXPECT_EQ(m.buffers().size(), 3u);
  EXPECT_EQ(m.state_dict().keys(),
            (std::vector<std::string>{"scale", "conv.weight", "conv.bias", "bn.weight", "bn.bias",
                                      "bn.running_mean", "bn.running_var", "bn.num_batches_tracked",
                                      "head.1.weight", "head.1.bias"}));
  // The listed tensors are the layers' own.
  EXPECT_EQ(m.named_parameters().at("conv.weight").impl(), m.conv->weight.impl());
  EXPECT_EQ(m.get_parameter("head.1.bias").impl(),
            m.head->operator[](1)->as<Conv2d>()->bias.impl());
  EXPECT_EQ(m.get_buffer("bn.running_var").impl(), m.bn->running_var.impl());
  EXPECT_EQ(m.get_submodule("head.1").get(), m.head->operator[](1).get());
  EXPECT_EQ(m.get_submodule("").get(), &m);
  EXPECT_ERROR(m.get_submodule("head.7"), "head.7");
  EXPECT_ERROR(m.get_parameter("conv.nope"), "conv.nope");
  EXPECT_EQ(m.num_parameters(), 2 * 3 * 9 + 3 + 3 + 3 + 3 * 2 + 2 + 1);
  m.conv->weight.requires_grad_(false);
  EXPECT_EQ(m.num_parameters(true), m.num_parameters() - 2 * 3 * 9);
}

TEST(NnModule, RegistrationChecksNames) {
  Module m("M");
  m.register_parameter("w", zeros({2}));
  EXPECT_ERROR(m.register_parameter("w", zeros({2})), "'w': the name is already registered");
  EXPECT_ERROR(m.register_buffer("w", zeros({2})), "already registered");
  EXPECT_ERROR(m.register_module("w", std::make_shared<ReLU>()), "already registered");
  EXPECT_ERROR(m.register_parameter("a.b", zeros({2})), "contains '.'");
  EXPECT_ERROR(m.register_parameter("", zeros({2})), "empty");
  EXPECT_ERROR(m.register_module("r", ModulePtr()), "null");
  EXPECT_ERROR(m.forward(zeros({1})), "M has no forward");
  // A parameter requires grad; an undefined one is listed nowhere.
  EXPECT_TRUE(m.get_parameter("w").requires_grad());
  m.register_parameter("none", Tensor());
  EXPECT_EQ(m.named_parameters().keys(), std::vector<std::string>{"w"});
  // Non-persistent buffers are listed but not saved.
  m.register_buffer("tmp", zeros({1}), false);
  EXPECT_EQ(m.named_buffers().keys(), std::vector<std::string>{"tmp"});
  EXPECT_EQ(m.state_dict().keys(), std::vector<std::string>{"w"});
}

TEST(NnModule, SharedModulesAndTiedWeightsAppearOnceInParameters) {
  auto shared = std::make_shared<Linear>(3, 3);
  Sequential seq{shared, std::make_shared<ReLU>(), shared};
  EXPECT_EQ(seq.named_parameters().keys(), (std::vector<std::string>{"0.weight", "0.bias"}));
  EXPECT_EQ(seq.named_modules().keys(), (std::vector<std::string>{"", "0", "1"}));
  // state_dict keeps every name, as PyTorch's does.
  EXPECT_EQ(seq.state_dict().keys(),
            (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(seq.num_parameters(), 12);
}

TEST(NnModule, Containers) {
  auto seq = std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
      std::make_shared<Linear>(4, 3), std::make_shared<Tanh>(), std::make_shared<Linear>(3, 2)});
  EXPECT_EQ(seq->size(), 3u);
  Tensor x = testing::randn_input({5, 4}, 1, DType::F32, false);
  Tensor expected = (*seq)[2]->forward(tanh((*seq)[0]->forward(x)));
  EXPECT_ALL_CLOSE((*seq)(x), expected, 0, 0);
  EXPECT_ERROR((*seq)[3], "index 3 is out of range for 3 modules");

  Sequential named(
      {{"conv", std::make_shared<Conv2d>(1, 1, 1)}, {"act", std::make_shared<ReLU>()}});
  EXPECT_EQ(named.state_dict().keys(), (std::vector<std::string>{"conv.weight", "conv.bias"}));
  auto extra = named.push_back(std::make_shared<Identity>());
  EXPECT_EQ(named.named_children().keys(), (std::vector<std::string>{"conv", "act", "2"}));
  EXPECT_ALL_CLOSE(extra->forward(x), x, 0, 0);

  ModuleList list{std::make_shared<ReLU>(), std::make_shared<Linear>(2, 2)};
  list.push_back(std::make_shared<Linear>(2, 1));
  EXPECT_EQ(list.size(), 3u);
  EXPECT_NE(list[2]->as<Linear>(), nullptr);
  EXPECT_EQ(list[0]->as<Linear>(), nullptr);
  EXPECT_EQ(list.state_dict().keys(),
            (std::vector<std::string>{"1.weight", "1.bias", "2.weight", "2.bias"}));
  EXPECT_ERROR(list.forward(x), "ModuleList has no forward");

  ModuleDict dict;
  dict.insert("b", std::make_shared<Linear>(1, 1));
  dict.insert("a", std::make_shared<Identity>());
  EXPECT_EQ(dict.keys(), (std::vector<std::string>{"b", "a"}));
  EXPECT_TRUE(dict.contains("a"));
  EXPECT_EQ(dict["a"]->type_name(), "Identity");
  EXPECT_ERROR(dict["c"], "no key 'c'");

  // replace_module swaps a child under the same name and position.
  dict.replace_module("b", std::make_shared<Linear>(2, 2));
  EXPECT_EQ(dict.keys(), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(dict.get_parameter("b.weight").sizes(), (Shape{2, 2}));
  EXPECT_ERROR(dict.replace_module("zz", std::make_shared<ReLU>()), "no child module 'zz'");
}

TEST(NnModule, TrainEvalPropagates) {
  auto net = std::make_shared<Net>();
  for (const auto& m : net->modules()) EXPECT_TRUE(m->is_training());
  net->eval();
  for (const auto& [name, m] : net->named_modules()) EXPECT_FALSE(m->is_training()) << name;
  net->heads->train();
  EXPECT_FALSE(net->is_training());
  EXPECT_TRUE((*net->heads)["drop"]->is_training());
  EXPECT_FALSE(net->fc->is_training());
}

TEST(NnModule, ApplyVisitsChildrenFirst) {
  Small m;
  std::vector<std::string> order;
  m.apply([&](Module& mod) { order.push_back(mod.type_name()); });
  EXPECT_EQ(order, (std::vector<std::string>{"Conv2d", "BatchNorm2d", "ReLU", "Conv2d",
                                             "Sequential", "Small"}));
  m.apply([](Module& mod) {
    if (auto* conv = mod.as<Conv2d>()) init::zeros_(conv->weight);
  });
  EXPECT_EQ(sum(abs(m.conv->weight)).item(), 0.0);
}

TEST(NnModule, ToDTypeIsInPlaceForEveryHandle) {
  Small m;
  Tensor held = m.conv->weight;  // a handle kept outside the module
  std::vector<float> before = held.to_vector<float>();
  Tensor x = testing::randn_input({1, 2, 4, 4}, 2, DType::F32, false);
  sum(m(x)).backward();
  ASSERT_TRUE(held.grad().defined());
  m.to(DType::F64);
  EXPECT_EQ(held.dtype(), DType::F64);
  EXPECT_EQ(m.conv->weight.dtype(), DType::F64);
  EXPECT_EQ(m.named_parameters().at("conv.weight").dtype(), DType::F64);
  EXPECT_TRUE(held.requires_grad());
  EXPECT_TRUE(held.is_leaf());
  EXPECT_EQ(held.grad().dtype(), DType::F64);  // gradients move too
  EXPECT_EQ(m.bn->running_mean.dtype(), DType::F64);
  EXPECT_EQ(m.bn->num_batches_tracked.dtype(), DType::I64);  // integers stay
  EXPECT_ALL_CLOSE(held, from_vector(before, held.sizes(), DType::F64), 0, 0);
  // The module computes in f64 now, and gradients reach the same leaves.
  m.zero_grad();
  Tensor y = m(x.to(DType::F64));
  EXPECT_EQ(y.dtype(), DType::F64);
  sum(y).backward();
  EXPECT_EQ(held.grad().dtype(), DType::F64);
  EXPECT_ERROR(m.to(DType::I32), "not floating point");
}

TEST(NnModule, ZeroGrad) {
  Small m;
  Tensor x = testing::randn_input({1, 2, 3, 3}, 3, DType::F32, false);
  sum(m(x)).backward();
  for (const Tensor& p : m.parameters()) ASSERT_TRUE(p.grad().defined());
  m.zero_grad(false);
  for (const Tensor& p : m.parameters()) {
    ASSERT_TRUE(p.grad().defined());
    EXPECT_EQ(sum(abs(p.grad())).item(), 0.0);
  }
  m.zero_grad();
  for (const Tensor& p : m.parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(NnModule, StateDictRoundTrip) {
  manual_seed(1);
  Small a;
  manual_seed(2);
  Small b;
  Tensor x = testing::randn_input({2, 2, 5, 5}, 4, DType::F32, false);
  a(x);  // training step: running stats and num_batches_tracked change
  a.eval();
  b.eval();
  EXPECT_FALSE(all_close(a(x), b(x), 1e-6, 1e-6));
  Tensor held = b.conv->weight;
  IncompatibleKeys r = b.load_state_dict(a.state_dict());
  EXPECT_TRUE(r.empty());
  EXPECT_ALL_CLOSE(a(x), b(x), 0, 0);
  EXPECT_EQ(held.impl(), b.conv->weight.impl());  // loaded in place
  EXPECT_NE(held.storage(), a.conv->weight.storage());
  EXPECT_EQ(b.bn->num_batches_tracked.item(), 1);
  EXPECT_TRUE(held.requires_grad());
  // state_dict() entries alias the module's tensors.
  EXPECT_EQ(a.state_dict().at("conv.weight").storage(), a.conv->weight.storage());
  EXPECT_FALSE(a.state_dict().at("conv.weight").requires_grad());
}

TEST(NnModule, LoadConvertsDType) {
  Small a, b;
  a.to(DType::F64);
  b.load_state_dict(a.state_dict());
  EXPECT_EQ(b.conv->weight.dtype(), DType::F32);
  EXPECT_ALL_CLOSE(b.conv->weight, a.conv->weight, 1e-7, 0);
}

TEST(NnModule, StrictLoadListsMissingAndUnexpectedKeys) {
  Small m;
  StateDict dict = m.state_dict();
  StateDict partial;
  for (const auto& [k, v] : dict)
    if (k != "bn.running_var" && k != "head.1.bias") partial.insert(k, v.clone());
  partial.insert("extra.weight", zeros({1}));
  std::string msg = error_of([&] { m.load_state_dict(partial); });
  EXPECT_NE(msg.find("missing key(s) in state_dict: 'bn.running_var', 'head.1.bias'"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("unexpected key(s) in state_dict: 'extra.weight'"), std::string::npos) << msg;

  // Non-strict: reports them and loads the rest.
  init::constant_(partial.at("conv.weight"), 0.5);
  IncompatibleKeys r = m.load_state_dict(partial, false);
  EXPECT_EQ(r.missing_keys, (std::vector<std::string>{"bn.running_var", "head.1.bias"}));
  EXPECT_EQ(r.unexpected_keys, std::vector<std::string>{"extra.weight"});
  EXPECT_EQ(m.conv->weight.to_vector<float>()[0], 0.5f);
}

TEST(NnModule, ShapeMismatchNamesKeyAndShapes) {
  Small m;
  StateDict dict = m.state_dict();
  dict.insert_or_assign("bn.bias", zeros({4}));
  init::constant_(dict.at("conv.weight"), 7);
  Tensor before = m.conv->weight.clone();
  EXPECT_ERROR(m.load_state_dict(dict),
               "size mismatch for bn.bias: copying a tensor with shape [4] from the state_dict, "
               "the shape in the current model is [3]");
  EXPECT_ERROR(m.load_state_dict(dict, false), "size mismatch for bn.bias");
  EXPECT_ALL_CLOSE(m.conv->weight, before, 0, 0);  // nothing was loaded
}

TEST(NnModule, ToDevice_CUDA) {
  Small m;
  Tensor held = m.conv->weight;
  Tensor x = testing::randn_input({1, 2, 4, 4}, 5, DType::F32, false);
  m.eval();
  Tensor cpu_out = m(x);
  m.to(cuda_device(0));
  EXPECT_TRUE(held.is_cuda());
  EXPECT_TRUE(m.bn->num_batches_tracked.is_cuda());
  EXPECT_TRUE(held.requires_grad());
  Tensor y = m(x.to(cuda_device(0)));
  EXPECT_TRUE(y.is_cuda());
  EXPECT_ALL_CLOSE(y.to(kCPU), cpu_out, 1e-5, 1e-5);
  sum(y).backward();
  EXPECT_TRUE(held.grad().is_cuda());
  // Loading a CPU state dict into a CUDA module copies across devices.
  Small cpu;
  m.load_state_dict(cpu.state_dict());
  EXPECT_TRUE(held.is_cuda());
  EXPECT_ALL_CLOSE(held.to(kCPU), cpu.conv->weight, 0, 0);
  m.to(kCPU);
  EXPECT_FALSE(held.grad().is_cuda());
}

}  // namespace
}  // namespace tessel::nn
