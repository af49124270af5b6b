// lovasz_softmax (engine/ops/lovasz.h) against the authors' reference
// (tests/fixtures/seg_losses.txt).
#include <cmath>  // before op_harness.h, which uses std::isnan

#include "tests/engine/seg_labels.h"
#include "tests/engine/seg_losses_fixture.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

TEST(Lovasz, MatchesReferenceImplementation) {
  const auto& f = fixture();
  Tensor labels = f.at("labels").to(DType::I64);
  for (bool per_image : {false, true})
    for (bool present : {true, false}) {
      std::string name = std::string("lovasz_") + (per_image ? "image" : "batch") +
                         (present ? "_present" : "_all");
      SCOPED_TRACE(name);
      Tensor x = f.at("x").detach().clone().requires_grad_();
      Tensor loss = lovasz_softmax(softmax(x, 1), labels, {per_image, present, 255});
      EXPECT_NEAR(loss.item(), f.at(name).item(), 1e-6);  // the reference's weights are f32
      loss.backward();
      EXPECT_ALL_CLOSE(x.grad(), f.at(name + "_grad"), 1e-5, 1e-7);
      EXPECT_NEAR(
          lovasz_softmax(softmax(x, 1), labels.to(DType::U8), {per_image, present, 255}).item(),
          loss.item(), 1e-12);
    }
}

TEST(Lovasz, Gradcheck) {
  Tensor y = seg_labels({2, 4, 5}, 3, 3, 0.2);
  for (bool per_image : {false, true})
    expect_gradcheck(
        [&](auto& in) {
          return lovasz_softmax(softmax(in[0], 1), y, {per_image, true, 255});
        },
        {randn_input({2, 4, 4, 5}, 4)});
}

TEST(Lovasz, EmptyCasesAndErrors) {
  Tensor x = randn_input({1, 3, 2, 2}, 5);
  Tensor ignored = full({1, 2, 2}, 255, DType::I64);
  for (bool present : {true, false}) {
    Tensor loss = lovasz_softmax(softmax(x, 1), ignored, {false, present, 255});
    EXPECT_EQ(loss.item(), 0.0);
    loss.backward();
    EXPECT_EQ(sum(abs(x.grad())).item(), 0.0);
  }
  EXPECT_ERROR(lovasz_softmax(x, zeros({1, 2, 3}, DType::I64)),
               "'labels' must have shape [1, 2, 2] for probas [1, 3, 2, 2], got [1, 2, 3]");
  EXPECT_ERROR(lovasz_softmax(x, zeros({1, 2, 2})), "'labels' must be an integer tensor");
}

TEST(Lovasz, MatchesCpu_CUDA) {
  Tensor x = randn_input({3, 5, 17, 23}, 6);
  Tensor y = seg_labels({3, 17, 23}, 5, 7, 0.1);
  for (bool per_image : {false, true})
    expect_cuda_matches_cpu(
        [&](auto& in) {
          return lovasz_softmax(softmax(in[0], 1), in[1], {per_image, true, 255});
        },
        {x, y}, DType::F32);
}
