// focal_loss (engine/ops/focal.h), a modulated binary cross-entropy.
#include <cmath>  // before op_harness.h, which uses std::isnan

#include "tests/engine/bce_reference.h"
#include "tests/op_harness.h"

using namespace tessel;
using namespace tessel::testing;

TEST(Focal, Gradcheck) {
  Tensor t = gt(rand({2, 3, 4}, {DType::F64}), scalar_tensor(0.7)).to(DType::F64);
  for (double gamma : {0.0, 2.0})
    expect_gradcheck(
        [&](const std::vector<Tensor>& in) {
          return focal_loss(in[0], t, focal_options(0.25, gamma, Reduction::Sum));
        },
        {randn_input({2, 3, 4}, 3)});
}

TEST(Focal, GammaZeroIsAlphaWeightedBce) {
  Tensor x = randn_input({7}, 4, DType::F64, false), t = rand({7}, {DType::F64});
  Tensor alpha_t = t * 0.25 + (1.0 - t) * 0.75;
  EXPECT_ALL_CLOSE(focal_loss(x, t, focal_options(0.25, 0, Reduction::None)),
                   alpha_t * reference_bce(x, t, 1), 1e-12, 1e-12);
  // An integer mask is a valid target.
  Tensor mask = from_vector<uint8_t>({1, 0, 1, 1, 0, 0, 1}, {7}, {DType::U8});
  EXPECT_ALL_CLOSE(focal_loss(x, mask), focal_loss(x, mask.to(DType::F64)), 0, 0);
}
