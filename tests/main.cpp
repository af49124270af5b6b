// Test entry point: tests named *_CUDA need a GPU. Without one they are filtered out before the
// run (reported, never counted as passed), as PyTorch's C++ API tests do. ctest lists the tests
// with --gtest_list_tests (tests/CMakeLists.txt), so there they are not even listed.
#include <gtest/gtest.h>

#include <iostream>

#include "core/device.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const bool gpu = tessel::cuda::is_available();
  const bool listing = ::testing::GTEST_FLAG(list_tests);  // its output is parsed: names only
  if (!gpu) {
    std::string& filter = ::testing::GTEST_FLAG(filter);
    filter += (filter.find('-') == std::string::npos ? "-" : ":");
    filter += "*_CUDA:*_CUDA/*:*/*_CUDA";
    if (!listing)
      std::cout << "No CUDA device: *_CUDA tests are filtered out (not run, not passed).\n";
  }
  const int failed = RUN_ALL_TESTS();
  // ctest runs one test per process. One that names a *_CUDA test here (its list was made where
  // a GPU was) runs nothing: say so in GoogleTest's words, which ctest reports as skipped.
  if (!gpu && !listing && ::testing::UnitTest::GetInstance()->test_to_run_count() == 0)
    std::cout << "[  SKIPPED ] no test ran: *_CUDA tests need a CUDA device\n";
  return failed;
}
