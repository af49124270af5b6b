#include "engine/trace.h"

#include "engine/autograd.h"
#include "engine/ops.h"
#include "tests/op_harness.h"

using namespace tessel;

namespace {
Tensor randn4(Shape s) {
  return randn(std::move(s), {DType::F32});
}

std::vector<std::string> names(const std::vector<const trace::Op*>& ops) {
  std::vector<std::string> out;
  for (const trace::Op* op : ops) out.push_back(op->name);
  return out;
}
}  // namespace

TEST(Trace, RecordsOpsWithAttributesTensorsAndModules) {
  Tensor x = randn4({1, 2, 5, 5}), w = randn4({4, 2, 3, 3}), b = randn4({4});
  int block = 0, conv = 0;  // stand-ins for modules: any stable address
  trace::Scope scope;
  Tensor y;
  {
    trace::ModuleScope outer(&block);
    {
      trace::ModuleScope inner(&conv);
      y = conv2d(x, w, b, {2, 1}, {1, 0}, {1, 1}, 1);
    }
    y = relu(y);
  }
  ASSERT_EQ(scope.ops().size(), 2u);
  const trace::Op& c = scope.ops()[0];
  EXPECT_EQ(c.name, "Conv2d");
  ASSERT_EQ(c.inputs.size(), 3u);
  EXPECT_TRUE(c.inputs[0].key == trace::key(x));
  EXPECT_TRUE(c.inputs[1].key == trace::key(w));
  EXPECT_EQ(c.outputs[0].sizes(), (Shape{1, 4, 3, 3}));
  EXPECT_EQ(std::get<std::vector<int64_t>>(c.attr("stride")), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(std::get<std::vector<int64_t>>(c.attr("padding")), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(std::get<int64_t>(c.attr("groups")), 1);
  EXPECT_EQ(c.modules, (std::vector<const void*>{&block, &conv}));
  const trace::Op& r = scope.ops()[1];
  EXPECT_EQ(r.name, "relu");
  EXPECT_TRUE(r.inputs[0].key == c.outputs[0].key);
  EXPECT_TRUE(r.outputs[0].key == trace::key(y));
  EXPECT_EQ(r.modules, (std::vector<const void*>{&block}));
  EXPECT_THROW(r.attr("stride"), Error);
}

TEST(Trace, OffRecordsNothingAndOnChangesNoResult) {
  Tensor x = randn4({2, 3, 4, 4});
  Tensor plain = max_pool2d(x, {2, 2});
  trace::ModuleScope unused(&x);  // no trace open: a no-op
  EXPECT_FALSE(trace::active());
  trace::Scope scope;
  EXPECT_TRUE(trace::active());
  EXPECT_EQ(max_pool2d(x, {2, 2}).to_vector<float>(), plain.to_vector<float>());
  ASSERT_EQ(scope.ops().size(), 1u);
  // Max pooling's indices are an output, a detached alias is the same value.
  EXPECT_EQ(scope.ops()[0].outputs.size(), 2u);
  EXPECT_TRUE(trace::key(x.detach()) == scope.ops()[0].inputs[0].key);
  EXPECT_FALSE(trace::key(x.slice(1, 0, 2)) == trace::key(x));
}

TEST(Trace, CreatesNoAutogradNodesUnderNoGrad) {
  Tensor w = randn4({3}).requires_grad_();
  NoGradGuard no_grad;
  trace::Scope scope;
  Tensor y = w * 2.0;
  EXPECT_EQ(y.grad_fn(), nullptr);
  EXPECT_EQ(scope.ops().size(), 1u);
}

TEST(Trace, ScopesDoNotNest) {
  trace::Scope scope;
  EXPECT_THROW(trace::Scope(), Error);
}

TEST(Trace, LiveOpsDropWhatTheOutputsDoNotRead) {
  // Eval batch norm computes rsqrt(var + eps) with ops of its own before recording itself; only
  // the batch norm reads the input.
  Tensor x = randn4({2, 3, 4, 4}), mean = randn4({3}), var = abs(randn4({3})) + 1.0;
  trace::Scope scope;
  Tensor unused = x * 3.0;
  Tensor y = batch_norm(x, mean, var, {}, {}, false);
  Tensor z = y + x;
  ASSERT_GE(scope.ops().size(), 4u);
  EXPECT_EQ(names(trace::live_ops(scope.ops(), {z})),
            (std::vector<std::string>{"batch_norm", "Add"}));
  const trace::Op& bn = *trace::live_ops(scope.ops(), {y})[0];
  ASSERT_EQ(bn.inputs.size(), 5u);  // input, weight, bias (undefined), running mean and var
  EXPECT_TRUE(bn.inputs[3].key == trace::key(mean));
  EXPECT_EQ(std::get<int64_t>(bn.attr("training")), 0);
}
