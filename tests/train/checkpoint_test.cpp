// Checkpoint directories appear whole or not at all.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/data/temp_dir.h"
#include "tests/op_harness.h"
#include "train/checkpoint.h"

namespace tessel::train {
namespace {
namespace fs = std::filesystem;

TEST(Checkpoint, FailureLeavesNoPartialDirectory) {
  tessel::testing::TempDir temp;
  fs::path root = temp.root();
  fs::path target = root / "iter_000010";
  EXPECT_ERROR(write_directory_atomically(target.string(),
                                          [](const std::string& tmp) {
                                            std::ofstream(tmp + "/model.safetensors") << "half";
                                            TESSEL_FAIL("disk full");
                                          }),
               "disk full");
  EXPECT_FALSE(fs::exists(target));
  EXPECT_TRUE(fs::is_empty(root)) << "a temporary directory was left behind";

  write_directory_atomically(
      target.string(), [](const std::string& tmp) { std::ofstream(tmp + "/state.json") << "{}"; });
  EXPECT_TRUE(fs::exists(target / "state.json"));
  point_link((root / "last").string(), "iter_000010");
  EXPECT_TRUE(fs::exists(root / "last" / "state.json"));
}

}  // namespace
}  // namespace tessel::train
