// The golden file the Lovasz-softmax and knowledge-distillation tests share
// (tests/fixtures/gen_seg_losses.py writes it), loaded once.
#pragma once

#include "tests/fixture.h"

namespace tessel::testing {

inline const auto& fixture() {
  static const auto f = load_fixture("seg_losses.txt");
  return f;
}

}  // namespace tessel::testing
