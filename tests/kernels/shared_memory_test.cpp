// Shared-memory budgets (kernels/common/shared_memory.h), decided on the host. The numbers are
// dice_ce_edge's forward pass on an H100: 256 threads (8 warps), three per-class sums per warp,
// f32 partials, and block_sum's static 4 x 32 floats.
#include "kernels/common/shared_memory.h"

#include <gtest/gtest.h>

namespace tessel::kernels {
namespace {

constexpr size_t kH100OptIn = 227 * 1024;
constexpr size_t kBlockSumStatic = 4 * 32 * sizeof(float);

size_t seg_pass_dynamic(size_t classes) {
  return 3 * classes * 8 * sizeof(float);
}

TEST(SharedMemory, StaticArraysCountAgainstTheDefault) {
  // 507 classes: 48,672 dynamic bytes are under 48 KB alone, but not with the static 512. The
  // old check looked at the dynamic bytes only, and the launch failed; now it opts in.
  const SharedBudget b{kBlockSumStatic, seg_pass_dynamic(507), kH100OptIn};
  EXPECT_LT(b.dynamic_bytes, kDefaultSharedPerBlock);
  EXPECT_GT(b.total(), kDefaultSharedPerBlock);
  EXPECT_TRUE(b.needs_optin());
  EXPECT_TRUE(b.fits());
  const SharedBudget small{kBlockSumStatic, seg_pass_dynamic(19), kH100OptIn};  // Cityscapes
  EXPECT_FALSE(small.needs_optin());
}

TEST(SharedMemory, OptInLimitBoundsTheClassCount) {
  // Above 512 classes the old check refused; the opt-in limit allows up to 2,416 (f32).
  const size_t most = (kH100OptIn - kBlockSumStatic) / (3 * 8 * sizeof(float));
  EXPECT_EQ(most, 2416u);
  EXPECT_TRUE((SharedBudget{kBlockSumStatic, seg_pass_dynamic(most), kH100OptIn}.fits()));
  EXPECT_FALSE((SharedBudget{kBlockSumStatic, seg_pass_dynamic(most + 1), kH100OptIn}.fits()));
  EXPECT_EQ((SharedBudget{kBlockSumStatic, 0, kH100OptIn}.max_dynamic()),
            kH100OptIn - kBlockSumStatic);
  EXPECT_EQ((SharedBudget{kH100OptIn + 1, 0, kH100OptIn}.max_dynamic()), 0u);
}

}  // namespace
}  // namespace tessel::kernels
