// Autocast: which ops lower or widen their inputs, that gradients reach the parameters in their
// own dtype, and that backward runs without autocast. The CPU computes in f32/f64 only, so the
// lowering is exercised from f64 to f32 here and to bf16 in the *_CUDA tests.
#include "engine/autocast.h"

#include <gtest/gtest.h>

#include "models/registry.h"
#include "tests/op_harness.h"

namespace tessel {
namespace {
using testing::randn_input;

TEST(Autocast, ScopesNestAndRestore) {
  EXPECT_FALSE(autocast_dtype());
  {
    AutocastGuard outer(DType::BF16);
    EXPECT_EQ(autocast_dtype(), DType::BF16);
    {
      AutocastGuard off(std::nullopt);
      EXPECT_FALSE(autocast_dtype());
    }
    EXPECT_EQ(autocast_dtype(), DType::BF16);
  }
  EXPECT_FALSE(autocast_dtype());
  EXPECT_ERROR(AutocastGuard(DType::I32), "AutocastGuard: dtype i32 is not a floating dtype");
}

TEST(Autocast, LowersConvolutionsAndProductsOnly) {
  Tensor x = randn_input({2, 3, 7, 6}, 1), w = randn_input({4, 3, 3, 3}, 2),
         b = randn_input({4}, 3), m = randn_input({5, 6}, 4), l = randn_input({6, 6}, 5);
  AutocastGuard autocast(DType::F32);
  Tensor y = conv2d(x, w, b, {1, 1}, {1, 1});
  EXPECT_EQ(y.dtype(), DType::F32);
  EXPECT_EQ(conv_transpose2d(x, w.transpose(0, 1).contiguous()).dtype(), DType::F32);
  EXPECT_EQ(matmul(m, l).dtype(), DType::F32);
  EXPECT_EQ(bmm(m.unsqueeze(0), l.unsqueeze(0)).dtype(), DType::F32);
  EXPECT_EQ(linear(m, l, randn_input({6}, 6)).dtype(), DType::F32);
  // Elementwise ops and f32-policy ops keep what they are given (only 16-bit inputs widen).
  EXPECT_EQ(relu(x).dtype(), DType::F64);
  EXPECT_EQ(softmax(x, 1).dtype(), DType::F64);
  EXPECT_EQ(softmax(y, 1).dtype(), DType::F32);
  // The lowered result is the f32 computation, not an approximation of it.
  AutocastGuard off(std::nullopt);
  EXPECT_ALL_CLOSE(y, conv2d(x.to(DType::F32), w.to(DType::F32), b.to(DType::F32), {1, 1}, {1, 1}),
                   0, 0);
}

TEST(Autocast, GradientsReachParametersInTheirOwnDtype) {
  Tensor x = randn_input({2, 3, 5, 5}, 7, DType::F64, false), w = randn_input({4, 3, 3, 3}, 8);
  Tensor loss;
  {
    AutocastGuard autocast(DType::F32);
    loss = sum(relu(conv2d(x, w)));
    EXPECT_EQ(loss.dtype(), DType::F32);
    loss.backward();  // inside the scope: backward must still not lower anything
  }
  ASSERT_TRUE(w.grad().defined());
  EXPECT_EQ(w.grad().dtype(), DType::F64);
  Tensor w64 = w.detach().requires_grad_();
  sum(relu(conv2d(x, w64))).backward();
  EXPECT_ALL_CLOSE(w.grad(), w64.grad(), 1e-5, 1e-5);
  EXPECT_NE(w.grad().to_vector<double>(), w64.grad().to_vector<double>());  // it did compute in f32
}

TEST(Autocast, WidensSixteenBitInputsOfLossesAndNorms) {
  Tensor logits = randn_input({2, 5, 4, 3}, 9, DType::F32, false).to(DType::BF16).requires_grad_();
  Tensor labels = randint(0, 5, {2, 4, 3});
  Tensor ce, sm, ln, gn;
  {
    AutocastGuard autocast(DType::BF16);
    ce = cross_entropy(logits, labels);
    sm = log_softmax(logits, 1);
    ln = layer_norm(logits, {3});
    gn = group_norm(logits, 5);
  }
  for (const Tensor& t : {ce, sm, ln, gn}) EXPECT_EQ(t.dtype(), DType::F32);
  Tensor wide = logits.detach().to(DType::F32);
  EXPECT_ALL_CLOSE(ce, cross_entropy(wide, labels), 0, 0);
  EXPECT_ALL_CLOSE(gn, group_norm(wide, 5), 0, 0);
  ce.backward();
  EXPECT_EQ(logits.grad().dtype(), DType::BF16);
  // Without autocast a 16-bit input stays 16-bit (and the CPU rejects it, naming the dtype).
  EXPECT_ERROR(log_softmax(logits, 1), "bf16");
}

// A whole network (convolutions, batch norm, activations, upsampling, a loss) trains under
// autocast: every parameter receives a finite gradient in its own dtype.
TEST(Autocast, ModelTrainStepKeepsParameterDtypes) {
  auto model = models::create("regseg48", {3});
  model->to(DType::F64);
  Tensor x = randn_input({2, 3, 32, 32}, 10, DType::F64, false);
  Tensor labels = randint(0, 3, {2, 32, 32});
  {
    AutocastGuard autocast(DType::F32);
    Tensor out = model->forward_outputs(x).at("out");
    EXPECT_EQ(out.dtype(), DType::F32);
    cross_entropy(out, labels).backward();
  }
  const auto params = model->named_parameters();
  for (const auto& [name, p] : params.items()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(p.grad().defined());
    EXPECT_EQ(p.grad().dtype(), DType::F64);
    EXPECT_TRUE(std::isfinite(sum(p.grad()).item()));
  }
}

TEST(Autocast, LowersToBF16OnTheGpu_CUDA) {
  Tensor x = randn_input({2, 5, 9, 7}, 11, DType::F32, false).to(cuda_device(0));
  Tensor w = randn_input({6, 5, 3, 3}, 12, DType::F32).to(cuda_device(0)).detach().requires_grad_();
  Tensor labels = randint(0, 6, {2, 9, 7}).to(cuda_device(0));
  Tensor y, loss;
  {
    AutocastGuard autocast(DType::BF16);
    y = conv2d(x, w, {}, {1, 1}, {1, 1});
    loss = cross_entropy(y, labels);
  }
  EXPECT_EQ(y.dtype(), DType::BF16);
  EXPECT_EQ(loss.dtype(), DType::F32);
  loss.backward();
  EXPECT_EQ(w.grad().dtype(), DType::F32);
  Tensor w32 = w.detach().requires_grad_();
  Tensor ref = conv2d(x, w32, {}, {1, 1}, {1, 1});
  EXPECT_ALL_CLOSE(y.to(DType::F32).to(kCPU), ref.to(kCPU), 3e-2, 3e-2);
  cross_entropy(ref, labels).backward();
  EXPECT_ALL_CLOSE(w.grad().to(kCPU), w32.grad().to(kCPU), 5e-2, 1e-3);
}

}  // namespace
}  // namespace tessel
