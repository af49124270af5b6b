// cuBLAS is opened at first use (kernels/cuda/cublas.h). These run in every CUDA build, GPU or
// not: loading the library and binding its symbols needs no device.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#if TESSEL_WITH_CUDA
#include "kernels/cuda/cublas.h"

namespace tessel::kernels {
namespace {

TEST(Cublas, LoadsAtFirstUseWithEverySymbol) {
  const Cublas& c = cublas();
  EXPECT_NE(c.create, nullptr);
  EXPECT_NE(c.set_stream, nullptr);
  EXPECT_NE(c.gemm_ex, nullptr);
  EXPECT_NE(c.gemm_strided_batched_ex, nullptr);
  // A call into the loaded library, which answers with its own words for the status.
  EXPECT_STREQ(c.status_string(CUBLAS_STATUS_NOT_INITIALIZED), "the library was not initialized");
  EXPECT_EQ(&cublas(), &c);  // loaded once

  std::ifstream maps("/proc/self/maps");
  std::string all((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find("libcublas.so"), std::string::npos);
}

TEST(Cublas, CheckMacroSaysWhatFailed) {
  const cublasStatus_t status = CUBLAS_STATUS_INVALID_VALUE;
  try {
    TESSEL_CUBLAS_CHECK(status);
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(cublas().status_string(status)), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("cuBLAS error: status failed"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tessel::kernels
#endif
