// Test entry point: tests named *_CUDA need a GPU. Without one they are filtered out before the
// run (reported, never counted as passed), as PyTorch's C++ API tests do.
#include <gtest/gtest.h>

#include <iostream>

#include "core/device.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!tessel::cuda::is_available()) {
    std::string& filter = ::testing::GTEST_FLAG(filter);
    filter += (filter.find('-') == std::string::npos ? "-" : ":");
    filter += "*_CUDA:*_CUDA/*:*/*_CUDA";
    std::cout << "No CUDA device: *_CUDA tests are filtered out (not run, not passed).\n";
  }
  return RUN_ALL_TESTS();
}
