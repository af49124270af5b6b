#include <cmath>  // before op_harness.h, which uses std::isnan

#include "tests/engine/seg_labels.h"
#include "tests/fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

namespace {

// The definition in engine/ops/dice.h, composed from ops: CE from log_softmax and the one-hot,
// means over the valid (and valid edge) pixels, plus the Dice loss.
Tensor reference(const Tensor& x, const Tensor& labels, const DiceCEEdgeOptions& o) {
  auto [oh, valid] = one_hot(labels, x.size(1), o.ignore_index);
  Tensor ce = -sum(log_softmax(x, 1) * oh, {1});
  Tensor v = valid.squeeze(1), e = edge_mask(labels, o.edge_kernel).to(DType::F64) * v;
  auto mean_over = [&](const Tensor& m) { return sum(ce * m) / std::max(sum(m).item(), 1.0); };
  return mean_over(v) * o.w_ce + mean_over(e) * o.w_edge +
         dice_loss(x, labels, {o.smooth, o.eps, o.ignore_index, false}) * o.w_dice;
}

const DiceCEEdgeOptions kOptions{0.7, 0.4, 1.3, 3, 255, 1.0, 1e-5};

}  // namespace

TEST(DiceCEEdge, StatsMatchOneHotSums) {
  Tensor x = randn_input({2, 5, 9, 11}, 1, DType::F64, false);
  Tensor y = seg_labels({2, 9, 11}, 4, 2, 0.1);
  std::vector<double> s = dice_ce_edge_stats(x, y, 5, 255).to_vector<double>();
  auto [i, p, t] = one_hot_sums(x, y, 255);
  for (size_t c = 0; c < 5; ++c) {
    EXPECT_NEAR(s[c], i[c], 1e-12);
    EXPECT_NEAR(s[5 + c], p[c], 1e-12);
    EXPECT_EQ(s[10 + c], t[c]);
  }
  Tensor valid = ne(y, scalar_tensor(255, DType::I64)).to(DType::F64);
  EXPECT_EQ(s[16], sum(valid).item());
  EXPECT_EQ(s[18], sum(edge_mask(y, 5).to(DType::F64) * valid).item());
}

TEST(DiceCEEdge, MatchesComposition) {
  Tensor x = randn_input({2, 5, 9, 11}, 3, DType::F64, false) * 2.0;
  Tensor y = seg_labels({2, 9, 11}, 5, 4, 0.1);
  for (int64_t k : {3, 5}) {
    DiceCEEdgeOptions o = kOptions;
    o.edge_kernel = k;
    EXPECT_NEAR(dice_ce_edge_loss(x, y, o).item(), reference(x, y, o).item(), 1e-12) << k;
    EXPECT_NEAR(dice_ce_edge_loss(x.to(DType::F32), y.to(DType::U8), o).item(),
                reference(x, y, o).item(), 1e-5);
  }
}

TEST(DiceCEEdge, NoEdgesAndAllIgnored) {
  Tensor x = randn_input({1, 3, 4, 6}, 5);
  Tensor one_class = full({1, 4, 6}, 2, DType::I64);  // no edge pixel: the edge term is 0
  DiceCEEdgeOptions only_edge{0, 1, 0, 3, 255, 1, 1e-5};
  EXPECT_EQ(dice_ce_edge_loss(x, one_class, only_edge).item(), 0.0);
  EXPECT_NEAR(dice_ce_edge_loss(x, one_class, kOptions).item(),
              reference(x, one_class, kOptions).item(), 1e-12);
  Tensor none = full({1, 4, 6}, 255, DType::I64);
  Tensor l = dice_ce_edge_loss(x, none, kOptions);
  EXPECT_EQ(l.item(), 0.0);
  l.backward();
  EXPECT_ALL_CLOSE(x.grad(), zeros_like(x), 0, 0);
}

TEST(DiceCEEdge, HeadsAndDetail) {
  Tensor main = randn_input({2, 4, 6, 7}, 6), aux = randn_input({2, 4, 6, 7}, 7);
  Tensor y = seg_labels({2, 6, 7}, 4, 8, 0.1);
  EXPECT_NEAR(dice_ce_edge_loss({{main, 1.0}, {aux, 0.4}}, y, kOptions).item(),
              dice_ce_edge_loss(main, y, kOptions).item() +
                  0.4 * dice_ce_edge_loss(aux, y, kOptions).item(),
              1e-12);
  Tensor detail = randn_input({2, 1, 6, 7}, 9);
  EXPECT_NEAR(detail_edge_loss(detail, y, 5, 0.5, 2).item(),
              bce_dice_loss(detail, edge_mask(y, 5).to(DType::F64), 0.5, 2).item(), 1e-12);
}

TEST(DiceCEEdge, MatchesPyTorchFixture) {
  auto f = load_fixture("dice.txt");
  Tensor y = f.at("labels").to(DType::I64);
  for (int64_t k : {3, 5}) {
    std::string name = "dice_ce_edge" + std::to_string(k);
    Tensor x = f.at("x").clone().requires_grad_();
    Tensor l = dice_ce_edge_loss(x, y, {0.5, 0.5, 1, k, 255, 1, 1e-5});
    EXPECT_ALL_CLOSE(l, f.at(name), 1e-10, 1e-12) << name;
    l.backward();
    EXPECT_ALL_CLOSE(x.grad(), f.at(name + "_grad"), 1e-9, 1e-12) << name;
  }
}

TEST(DiceCEEdge, Gradcheck) {
  Tensor x = randn_input({2, 3, 5, 6}, 10), x2 = randn_input({2, 3, 5, 6}, 11);
  Tensor y = seg_labels({2, 5, 6}, 3, 12, 0.1);
  for (int64_t k : {3, 5}) {
    DiceCEEdgeOptions o = kOptions;
    o.edge_kernel = k;
    expect_gradcheck([&](auto& in) { return dice_ce_edge_loss(in[0], y, o); }, {x});
  }
  expect_gradcheck(
      [&](auto& in) {
        return dice_ce_edge_loss({{in[0], 1.0}, {in[1], 0.4}}, y, kOptions);
      },
      {x, x2});
  expect_gradcheck([&](auto& in) { return detail_edge_loss(in[0], y); },
                   {randn_input({2, 1, 5, 6}, 13)});
}

TEST(DiceCEEdge, BadLabelIsNaN) {
  Tensor y = zeros({1, 2, 3}, DType::I64);
  y.fill_(9);
  Tensor x = randn_input({1, 3, 2, 3}, 14);
  Tensor l = dice_ce_edge_loss(x, y, kOptions);
  EXPECT_TRUE(std::isnan(l.item()));
}

TEST(DiceCEEdge, Errors) {
  Tensor x = zeros({1, 3, 2, 2}), y = zeros({1, 2, 2}, DType::I64);
  EXPECT_ERROR(dice_ce_edge_loss(x, y, {0.5, 0.5, 1, 2, 255, 1, 1e-5}),
               "dice_ce_edge: the edge kernel must be odd and positive, got 2");
  EXPECT_ERROR(dice_ce_edge_loss(x, zeros({1, 2, 2}, DType::I64).to(DType::F64)),
               "'labels' must be u8, i32 or i64");
  EXPECT_ERROR(dice_ce_edge_loss(x, zeros({1, 4, 4}, DType::I64)),
               "'labels' must have shape [1, 2, 2] for logits [1, 3, 2, 2]");
  EXPECT_ERROR(detail_edge_loss(x, y), "detail_edge_loss: 'logits' must be [N, 1, H, W]");
  EXPECT_ERROR(dice_ce_edge_loss(std::vector<std::pair<Tensor, double>>{}, y), "at least one head");
}

TEST(DiceCEEdge, MatchesCpu_CUDA) {
  // Odd sizes, rare classes, ~10% ignored, several rows of partials; both edge windows.
  Tensor x = randn_input({2, 19, 61, 97}, 15);
  Tensor y = seg_labels({2, 61, 97}, 19, 16, 0.1);
  for (DType dt : {DType::F32, DType::F16, DType::BF16})
    for (int64_t k : {3, 5}) {
      SCOPED_TRACE(std::string(dtype_name(dt)) + " k " + std::to_string(k));
      DiceCEEdgeOptions o = kOptions;
      o.edge_kernel = k;
      expect_cuda_matches_cpu([&](auto& in) { return dice_ce_edge_loss(in[0], in[1], o); },
                              {x, y.to(k == 3 ? DType::U8 : DType::I32)}, dt);
    }
  // Deterministic: the same partial rows in the same order, run after run.
  Tensor xg = x.detach().to(cuda_device(0)), yg = y.to(cuda_device(0));
  EXPECT_EQ(dice_ce_edge_loss(xg, yg).item(), dice_ce_edge_loss(xg, yg).item());
}

// Class counts whose shared memory passes 48 KB with the kernel's static arrays (507-512 f32
// failed to launch before the budget counted them) and beyond 512 (refused before the opt-in).
TEST(DiceCEEdge, ManyClassesMatchCpu_CUDA) {
  for (int64_t classes : {509, 700}) {
    SCOPED_TRACE(classes);
    Tensor x = randn_input({1, classes, 7, 9}, 21);
    Tensor y = seg_labels({1, 7, 9}, classes, 22, 0.1);
    expect_cuda_matches_cpu([&](auto& in) { return dice_ce_edge_loss(in[0], in[1], kOptions); },
                            {x, y.to(DType::I32)}, DType::F32);
  }
}
