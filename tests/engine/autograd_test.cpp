#include <cmath>  // before op_harness.h, which uses std::isnan

#include <functional>
#include <memory>

#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {
using V = std::vector<double>;
}  // namespace

TEST(Autograd, GradientsThroughViews) {
  expect_gradcheck(
      [](const std::vector<Tensor>& in) {
        Tensor t = in[0].permute({2, 0, 1}).slice(1, 0, 3, 2).reshape({4, -1});
        return t.unsqueeze(0).expand({3, 4, 4}).select(2, 1) + t.flatten().narrow(0, 1, 4);
      },
      {randn_input({3, 2, 4}, 1)});
  expect_gradcheck(
      [](const std::vector<Tensor>& in) {
        return in[0].transpose(0, 1).contiguous().view({-1}).squeeze() *
               in[1].expand({2, 3}).flatten();
      },
      {randn_input({3, 2}, 2), randn_input({1, 3}, 3)});
}

// What DistributedDataParallel builds on: a hook after a leaf's gradient is final (every use
// summed), for as long as its handle lives, and callbacks at the end of the backward.
TEST(Autograd, PostAccumulateHooksAndBackwardCallbacks) {
  Tensor w = full({3}, 2.0).requires_grad_(), v = full({3}, 1.0).requires_grad_();
  std::vector<std::string> events;
  std::vector<double> grad_at_hook;
  GradHook h = add_post_accumulate_hook(w, [&] {
    events.push_back("w");
    grad_at_hook.push_back(w.grad().to_vector<double>()[0]);
    queue_backward_callback([&] {
      events.push_back("end");
      EXPECT_TRUE(v.grad().defined());  // after every leaf's accumulation
    });
  });
  // w is used twice: the hook sees the sum of both uses, once.
  sum(add(mul(w, v), mul(w, w))).backward();
  EXPECT_EQ(events, (std::vector<std::string>{"w", "end"}));
  EXPECT_EQ(grad_at_hook, (std::vector<double>{1.0 + 2 * 2.0}));
  // A second backward accumulates: the hook sees the running total.
  sum(mul(w, v)).backward();
  EXPECT_EQ(grad_at_hook.back(), 5.0 + 1.0);
  h.reset();  // the hook goes with its handle
  sum(mul(w, v)).backward();
  EXPECT_EQ(grad_at_hook.size(), 2u);
  EXPECT_ERROR(queue_backward_callback([] {}), "called outside a backward");
  EXPECT_ERROR((void)add_post_accumulate_hook(mul(w, v), [] {}), "must be a leaf");
}

TEST(Autograd, FreedGraphAndRetainGraph) {
  Tensor x = from_vector<double>({1, 2}, {2}, DType::F64).requires_grad_();
  Tensor y = sum(x * x);
  y.backward();
  EXPECT_ERROR(y.backward(), "backward through the graph a second time");
  EXPECT_ERROR(y.backward(), "pass retain_graph=true the first time");
  EXPECT_ERROR(y.backward(), "(sumBackward was freed)");

  Tensor x2 = from_vector<double>({1, 2}, {2}, DType::F64).requires_grad_();
  Tensor y2 = sum(x2 * x2);
  y2.backward(Tensor(), /*retain_graph=*/true);
  y2.backward();
  EXPECT_EQ(x2.grad().to_vector<double>(), (V{4, 8}));  // 2x, twice
}

TEST(Autograd, NonScalarBackwardNeedsGrad) {
  Tensor x = ones({3}, DType::F64).requires_grad_();
  Tensor y = x * 2.0;
  EXPECT_ERROR(y.backward(),
               "grad can be implicitly created only for scalar outputs; this output has "
               "shape [3]");
  y.backward(from_vector<double>({1, 2, 3}, {3}, DType::F64));
  EXPECT_EQ(x.grad().to_vector<double>(), (V{2, 4, 6}));
  EXPECT_ERROR((x * 2.0).backward(ones({2}, DType::F64)),
               "gradient shape [2] does not match the output shape [3]");
  EXPECT_ERROR(ones({1}).backward(), "does not require grad");
}

TEST(Autograd, NoGradGuardAndDetach) {
  Tensor x = ones({2}).requires_grad_();
  {
    NoGradGuard guard;
    EXPECT_FALSE(grad_mode_enabled());
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
  }
  EXPECT_TRUE(grad_mode_enabled());
  Tensor y = x * 2.0;
  EXPECT_TRUE(y.requires_grad());
  EXPECT_FALSE(y.is_leaf());
  EXPECT_EQ(y.grad_fn()->name(), "MulBackward");
  Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  EXPECT_EQ(d.storage(), y.storage());
}

TEST(Autograd, RequiresGradChecks) {
  Tensor i = zeros({2}, DType::I64);
  EXPECT_ERROR(i.requires_grad_(),
               "requires_grad_: only floating-point tensors can require gradients (dtype i64)");
  Tensor y = ones({2}).requires_grad_() * 2.0;
  EXPECT_ERROR(y.requires_grad_(false), "non-leaf");
}

TEST(Autograd, SavedTensorModifiedInPlaceThrows) {
  Tensor x = ones({2}, DType::F64).requires_grad_();
  Tensor a = x * 2.0;
  Tensor y = sum(a * a);  // saves a
  {
    NoGradGuard guard;
    a.fill_(3);
  }
  EXPECT_ERROR(y.backward(), "a tensor saved for backward was modified in place");
}

TEST(Autograd, DiamondAccumulates) {
  Tensor x = from_vector<double>({1, -2}, {2}, DType::F64).requires_grad_();
  Tensor a = x * 2.0, b = x * 3.0;
  sum(a * b + a).backward();  // 6x^2 + 2x -> 12x + 2
  EXPECT_EQ(x.grad().to_vector<double>(), (V{14, -22}));
}

TEST(Autograd, BranchWithoutGradientDoesNotBlockOthers) {
  Tensor x = from_vector<double>({1, 2}, {2}, DType::F64).requires_grad_();
  Tensor c = from_vector<double>({5, 5}, {2}, DType::F64);  // no grad
  Tensor m = x * 5.0;
  Tensor dead = m.detach();
  // A node that passes no gradient on, like an op whose input has no derivative.
  record(dead, "NoGradient", {m})->rule = [](const Tensor&, const Node&) {
    return std::vector<Tensor>{Tensor()};
  };
  // m is reached by a branch that sends nothing and by one that does.
  sum(dead * 7.0 + m + c * x.detach()).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (V{5, 5}));
  EXPECT_FALSE(c.grad().defined());
}

TEST(Autograd, NodeWithoutRuleFailsNamingIt) {
  Tensor x = ones({2}, DType::F64).requires_grad_();
  Tensor y = x.detach();
  ASSERT_NE(record(y, "Forgotten", {x}), nullptr);
  EXPECT_ERROR(sum(y).backward(),
               "internal error: ForgottenBackward was recorded without a backward rule");
}

namespace {
// `op` saves its input (which needs no gradient) for a parameter's gradient: the graph keeps that
// input's storage alive after the caller lets go of it, until a backward without retain_graph.
void expect_backward_frees_saved_input(const std::function<Tensor(const Tensor&)>& op,
                                       Shape shape) {
  for (bool retain : {true, false}) {
    Tensor input = randn(shape, DType::F64);
    std::weak_ptr<Storage> storage = input.storage();
    Tensor loss = sum(op(input));
    input = Tensor();
    EXPECT_FALSE(storage.expired()) << "saved for backward";
    loss.backward(Tensor(), retain);
    EXPECT_EQ(storage.expired(), !retain) << "retain_graph=" << retain;
  }
}
}  // namespace

TEST(Autograd, BackwardFreesSavedTensors) {
  Tensor w = randn({64, 64}, DType::F64).requires_grad_();
  expect_backward_frees_saved_input([&](const Tensor& x) { return x * w; }, {64, 64});
  Tensor k = randn({4, 3, 3, 3}, DType::F64).requires_grad_();
  expect_backward_frees_saved_input([&](const Tensor& x) { return conv2d(x, k); }, {2, 3, 16, 16});
  Tensor gamma = randn({16}, DType::F64).requires_grad_();
  expect_backward_frees_saved_input([&](const Tensor& x) { return layer_norm(x, {16}, gamma); },
                                    {8, 16});
}
