// DDRNet-23-slim/23/39, STDC1/2-Seg, PP-LiteSeg-T/B and RegSeg-48 against SuperGradients' own
// modules (tests/fixtures/gen_super_gradients.py), and the small UNet (milesial's, bilinear)
// against a transcription (gen_unet_models.py): state dict names, shapes and order, which the
// closed-form weights of tests/models/closed_form_init.h follow, then every head's eval-mode
// output under those weights.
#include <gtest/gtest.h>

#include "models/registry.h"
#include "tests/models/reference_facts.h"

namespace tessel::models {
namespace {

struct ParityCase {
  std::string name, fixture;
  bool aux;
  std::vector<std::string> heads;
};

// What gtest prints for a failing case.
void PrintTo(const ParityCase& c, std::ostream* os) {
  *os << c.name;
}

class RealtimeParity : public ::testing::TestWithParam<ParityCase> {};

// 3 classes, with the auxiliary heads where the model has them; every 8th row and column.
TEST_P(RealtimeParity, EvalOutputsEqualSuperGradients) {
  const ParityCase& c = GetParam();
  const std::map<std::string, Tensor> facts = ::tessel::testing::load_fixture(c.fixture);
  auto model = create(c.name, {.num_classes = 3, .aux = c.aux});
  ::tessel::testing::expect_state_dict_matches(*model, facts, c.name);
  ::tessel::testing::expect_outputs_equal_reference(*model, facts, c.name, c.heads, 8);
}

INSTANTIATE_TEST_SUITE_P(
    Models, RealtimeParity,
    ::testing::Values(
        ParityCase{"ddrnet_23_slim", "super_gradients_models.txt", true, {"out", "aux"}},
        ParityCase{"ddrnet_23", "super_gradients_models.txt", true, {"out", "aux"}},
        ParityCase{"ddrnet_39", "super_gradients_models.txt", true, {"out", "aux"}},
        ParityCase{
            "stdc1_seg", "super_gradients_models.txt", true, {"out", "aux1", "aux2", "detail"}},
        ParityCase{
            "stdc2_seg", "super_gradients_models.txt", true, {"out", "aux1", "aux2", "detail"}},
        ParityCase{
            "pp_liteseg_t", "super_gradients_models.txt", true, {"out", "aux1", "aux2", "aux3"}},
        ParityCase{
            "pp_liteseg_b", "super_gradients_models.txt", true, {"out", "aux1", "aux2", "aux3"}},
        ParityCase{"regseg48", "super_gradients_models.txt", false, {"out"}},
        ParityCase{"unet_small", "unet_models.txt", false, {"out"}}),
    [](const ::testing::TestParamInfo<ParityCase>& info) { return info.param.name; });

}  // namespace
}  // namespace tessel::models
