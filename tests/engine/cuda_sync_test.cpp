// Bring-up mode (engine/dispatch.h, TESSEL_CUDA_SYNC=1): a device fault is reported by the op
// that caused it, with its name, file and line.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "engine/cuda/context.h"
#include "engine/ops.h"

using namespace tessel;

TEST(CudaSync, OffUnlessAsked) {
  if (std::getenv("TESSEL_CUDA_SYNC")) GTEST_SKIP() << "TESSEL_CUDA_SYNC is set";
  EXPECT_FALSE(cuda::sync_after_ops());
}

TEST(CudaSync, BlamesTheFaultingOp_CUDA) {
  // A fault poisons the process's CUDA context, so it happens in a child process of its own.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        cuda::set_sync_after_ops(true);
        Tensor x = zeros({4}, {DType::F32, cuda_device()});
        // Indices are not checked on the device (engine/ops/index.h): this one reads 4 TiB away.
        Tensor index = full({1}, double(int64_t(1) << 40), {DType::I64, cuda_device()});
        try {
          gather(x, 0, index);
        } catch (const Error& e) {
          std::fprintf(stderr, "%s\n", e.what());
          std::exit(3);
        }
        std::exit(0);
      },
      ::testing::ExitedWithCode(3), "CUDA error in .*gather.* on cuda:0: cudaError");
}
