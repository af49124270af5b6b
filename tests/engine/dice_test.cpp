#include <cmath>  // before op_harness.h, which uses std::isnan

#include "tests/engine/seg_labels.h"
#include "tests/fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

// The Dice rules of engine/ops/dice.h, on the host, from the one-hot sums.
std::vector<double> reference_per_class(const Tensor& logits, const Tensor& labels,
                                        const DiceOptions& o, std::vector<bool>* counted) {
  auto [i, p, t] = one_hot_sums(logits, labels, o.ignore_index);
  std::vector<double> loss(i.size());
  counted->assign(i.size(), false);
  for (size_t c = 0; c < i.size(); ++c) {
    (*counted)[c] = int64_t(c) != o.ignore_index && (o.smooth > 0 || p[c] + t[c] > 0);
    double dice = (2 * i[c] + o.smooth) / std::max(p[c] + t[c] + o.smooth, o.eps);
    loss[c] = (*counted)[c] ? 1 - dice : 0;
  }
  return loss;
}

double reference_mean(const Tensor& logits, const Tensor& labels, const DiceOptions& o) {
  std::vector<bool> counted;
  std::vector<double> loss = reference_per_class(logits, labels, o, &counted);
  double s = 0, n = 0;
  for (size_t c = 0; c < loss.size(); ++c) s += loss[c], n += counted[c];
  return n > 0 ? s / n : 0;
}

double reference_generalized(const Tensor& logits, const Tensor& labels, const DiceOptions& o) {
  auto [i, p, t] = one_hot_sums(logits, labels, o.ignore_index);
  double wmax = 0, num = 0, den = 0;
  for (double v : t) wmax = v > 0 ? std::max(wmax, 1 / (v * v)) : wmax;
  for (size_t c = 0; c < t.size(); ++c) {
    double w = int64_t(c) == o.ignore_index ? 0 : (t[c] > 0 ? 1 / (t[c] * t[c]) : wmax);
    num += w * i[c], den += w * (p[c] + t[c]);
  }
  if (wmax == 0) return 0;
  return 1 - (2 * num + o.smooth) / std::max(den + o.smooth, o.eps);
}

const DiceOptions kIgnore255{1.0, 1e-5, 255, false};

}  // namespace

TEST(Dice, MatchesOneHotReference) {
  Tensor x = randn_input({2, 5, 7, 9}, 1, DType::F64, false) * 2.0;
  Tensor y = seg_labels({2, 7, 9}, 4, 2, 0.1);  // class 4 is never a target
  for (double smooth : {1.0, 0.0}) {
    DiceOptions o = kIgnore255;
    o.smooth = smooth;
    SCOPED_TRACE(smooth);
    EXPECT_NEAR(dice_loss(x, y, o).item(), reference_mean(x, y, o), 1e-12);
    EXPECT_NEAR(dice_loss(x.to(DType::F32), y, o).item(), reference_mean(x, y, o), 1e-5);
    for (DType lt : {DType::U8, DType::I32})
      EXPECT_NEAR(dice_loss(x, y.to(lt), o).item(), reference_mean(x, y, o), 1e-12);
    o.per_class = true;
    std::vector<bool> counted;
    EXPECT_ALL_CLOSE(dice_loss(x, y, o),
                     from_vector(reference_per_class(x, y, o, &counted), {5}, DType::F64), 1e-12,
                     1e-12);
  }
  // ignore_index inside [0, C): that class leaves the mean, its pixels leave every sum.
  Tensor y0 = seg_labels({2, 7, 9}, 4, 2, 0.0);
  DiceOptions o{1.0, 1e-5, 0, false};
  EXPECT_NEAR(dice_loss(x, y0, o).item(), reference_mean(x, y0, o), 1e-12);
  o.per_class = true;
  EXPECT_EQ(dice_loss(x, y0, o).to_vector<double>()[0], 0.0);
}

TEST(Dice, AbsentClassesAndAllIgnored) {
  Tensor x = randn_input({1, 3, 4, 5}, 2);
  Tensor y = full({1, 4, 5}, 255, DType::I64);
  for (double smooth : {1.0, 0.0}) {
    DiceOptions o = kIgnore255;
    o.smooth = smooth;
    // Nothing to score: every class absent from prediction and target scores 1 (smooth > 0) or
    // leaves the mean (smooth 0); either way the loss is 0 and its gradient 0, never NaN.
    Tensor l = dice_loss(x, y, o);
    EXPECT_EQ(l.item(), 0.0);
    x.set_grad(Tensor());
    l.backward();
    EXPECT_ALL_CLOSE(x.grad(), zeros_like(x), 0, 0);
    EXPECT_EQ(generalized_dice_loss(x, y, {smooth, 1e-17, 255, false}).item(), 0.0);
    EXPECT_EQ(log_cosh_dice_loss(x, y, o).item(), 0.0);
  }
}

TEST(Dice, GeneralizedLogCoshBinaryAndBce) {
  Tensor x = randn_input({2, 4, 5, 7}, 3, DType::F64, false);
  Tensor y = seg_labels({2, 5, 7}, 3, 4, 0.1);
  DiceOptions g{0, 1e-17, 255, false};
  EXPECT_NEAR(generalized_dice_loss(x, y, g).item(), reference_generalized(x, y, g), 1e-12);
  double l = reference_mean(x, y, kIgnore255);
  EXPECT_NEAR(log_cosh_dice_loss(x, y, kIgnore255).item(), std::log(std::cosh(l)), 1e-12);
  // Binary: sigmoid against a 0/1 target with a few ignored (255) pixels.
  Tensor xb = x.narrow(1, 0, 1).contiguous();
  Generator gen(5);
  Tensor u = rand({2, 1, 5, 7}, {DType::F64}, &gen);
  Tensor t =
      where(lt(u, scalar_tensor(0.1)), full_like(u, 255), gt(u, scalar_tensor(0.6)).to(DType::F64));
  Tensor keep = ne(t, scalar_tensor(255)).to(DType::F64), s = sigmoid(xb) * keep, tk = t * keep;
  double ref = 1 - (2 * sum(s * tk).item() + 1) / (sum(s).item() + sum(tk).item() + 1);
  EXPECT_NEAR(binary_dice_loss(xb, t, kIgnore255).item(), ref, 1e-12);
  EXPECT_NEAR(binary_dice_loss(xb, t.reshape({2, 5, 7}), kIgnore255).item(), ref, 1e-12);
  Tensor bce = relu(xb) - xb * tk + log(exp(-abs(xb)) + 1.0);
  double bce_ref = sum(bce * keep).item() / sum(keep).item();
  EXPECT_NEAR(bce_dice_loss(xb, t, 0.3, 2.0, kIgnore255).item(), 0.3 * bce_ref + 2 * ref, 1e-12);
}

TEST(Dice, MatchesPyTorchFixture) {
  auto f = load_fixture("dice.txt");
  Tensor y = f.at("labels").to(DType::I64), t = f.at("target");
  auto check = [&](const std::string& name, const std::function<Tensor(const Tensor&)>& loss) {
    SCOPED_TRACE(name);
    Tensor x = f.at("x").clone().requires_grad_();
    Tensor l = loss(x);
    EXPECT_ALL_CLOSE(l, f.at(name), 1e-10, 1e-12);
    if (l.dim() > 0) return;
    l.backward();
    EXPECT_ALL_CLOSE(x.grad(), f.at(name + "_grad"), 1e-9, 1e-12);
  };
  DiceOptions per_class = kIgnore255;
  per_class.per_class = true;
  check("dice_per_class", [&](auto& x) { return dice_loss(x, y, per_class); });
  check("dice", [&](auto& x) { return dice_loss(x, y, kIgnore255); });
  check("generalized", [&](auto& x) {
    return generalized_dice_loss(x, y, {0, 1e-17, 255, false});
  });
  check("binary", [&](auto& x) { return binary_dice_loss(x.narrow(1, 0, 1), t); });
  check("bce_dice", [&](auto& x) { return bce_dice_loss(x.narrow(1, 0, 1), t); });
}

TEST(Dice, Gradcheck) {
  Tensor x = randn_input({2, 3, 4, 5}, 6);
  Tensor y = seg_labels({2, 4, 5}, 3, 7, 0.1);
  DiceOptions per_class = kIgnore255, no_smooth = kIgnore255;
  per_class.per_class = true;
  no_smooth.smooth = 0;
  for (const DiceOptions& o : {kIgnore255, per_class, no_smooth}) {
    expect_gradcheck([&](auto& in) { return dice_loss(in[0], y, o); }, {x});
    expect_gradcheck([&](auto& in) { return log_cosh_dice_loss(in[0], y, o); }, {x});
  }
  expect_gradcheck(
      [&](auto& in) {
        return generalized_dice_loss(in[0], y, {0, 1e-17, 255, false});
      },
      {x});
  Tensor xb = randn_input({2, 1, 4, 5}, 8);
  Tensor t = seg_labels({2, 1, 4, 5}, 2, 9, 0.1).to(DType::F64);
  expect_gradcheck([&](auto& in) { return binary_dice_loss(in[0], t, kIgnore255); }, {xb});
  expect_gradcheck([&](auto& in) { return bce_dice_loss(in[0], t, 0.5, 1.5, kIgnore255); }, {xb});
}

TEST(Dice, BadLabelIsNaN) {
  Tensor y = zeros({1, 2, 2}, DType::I64);
  y.fill_(7);
  EXPECT_TRUE(std::isnan(dice_loss(randn_input({1, 3, 2, 2}, 10), y).item()));
}

TEST(Dice, Errors) {
  Tensor x = zeros({1, 3, 2, 2}), y = zeros({1, 2, 2}, DType::I64);
  EXPECT_ERROR(dice_loss(x, zeros({1, 2, 2})), "'labels' must be u8, i32 or i64, got f32");
  EXPECT_ERROR(dice_loss(x, zeros({1, 3, 2}, DType::I64)), "'labels' must have shape [1, 2, 2]");
  EXPECT_ERROR(dice_loss(zeros({3, 2, 2}), y), "'logits' must be [N, C, H, W]");
  EXPECT_ERROR(dice_loss(x, y, {-1, 1e-5, -100, false}), "need smooth >= 0 and eps > 0");
  EXPECT_ERROR(generalized_dice_loss(x, y, {0, 1e-17, -100, true}), "per_class does not apply");
  EXPECT_ERROR(binary_dice_loss(zeros({1, 1, 2, 2}), zeros({1, 2, 3})), "'target' [1, 2, 3]");
}

TEST(Dice, MatchesCpu_CUDA) {
  // Odd sizes, a few rare classes and ~10% ignored pixels; more pixels than one row of partials.
  Tensor x = randn_input({3, 7, 37, 91}, 11);
  Tensor y = seg_labels({3, 37, 91}, 7, 12, 0.1);
  Tensor xb = randn_input({3, 1, 37, 91}, 13);
  Tensor t = seg_labels({3, 1, 37, 91}, 2, 14, 0.1).to(DType::F64);
  DiceOptions per_class = kIgnore255;
  per_class.per_class = true;
  for (DType dt : {DType::F32, DType::F16, DType::BF16}) {
    SCOPED_TRACE(dtype_name(dt));
    for (DType lt : {DType::U8, DType::I64})
      expect_cuda_matches_cpu([&](auto& in) { return dice_loss(in[0], in[1], per_class); },
                              {x, y.to(lt)}, dt);
    expect_cuda_matches_cpu(
        [&](auto& in) {
          return generalized_dice_loss(in[0], in[1], {0, 1e-17, 255, false});
        },
        {x, y}, dt);
    expect_cuda_matches_cpu([&](auto& in) { return bce_dice_loss(in[0], in[1], 1, 1, kIgnore255); },
                            {xb, t}, dt);
  }
}
