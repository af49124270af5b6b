// Checkpoint directories appear whole or not at all.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "nn/linear.h"
#include "nn/optimizer.h"
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

  // Written again, the directory is swapped for the new one, and nothing else is left.
  write_directory_atomically(target.string(), [](const std::string& tmp) {
    std::ofstream(tmp + "/state.json") << "{\"again\": 1}";
  });
  std::ifstream in(root / "last" / "state.json");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "{\"again\": 1}");
  EXPECT_EQ(std::distance(fs::directory_iterator(root), fs::directory_iterator()), 2);
}

// An f16 run's loss scale travels with its checkpoint; a checkpoint without one cannot resume an
// f16 run.
TEST(Checkpoint, KeepsTheGradScalerState) {
  tessel::testing::TempDir temp;
  auto model = std::make_shared<nn::Linear>(3, 2);
  nn::SGD optimizer({nn::GroupSpec(model->parameters())}, nn::GroupOptions{.lr = 0.1});
  nn::PolyLR scheduler(optimizer, 10);
  Progress progress;
  nn::GradScaler scaler;
  scaler.update(true);
  scaler.update(false);  // scale 32768, one finite step since
  std::string dir = (fs::path(temp.root()) / "ckpt").string();
  save_checkpoint(dir, {*model, optimizer, scheduler, nullptr, &scaler, progress, {}});
  nn::GradScaler restored;
  CheckpointParts parts{*model, optimizer, scheduler, nullptr, &restored, progress, {}};
  load_checkpoint(dir, parts);
  EXPECT_EQ(restored.scale_value(), 32768);
  EXPECT_EQ(restored.growth_tracker(), 1);

  std::string plain = (fs::path(temp.root()) / "plain").string();
  save_checkpoint(plain, {*model, optimizer, scheduler, nullptr, nullptr, progress, {}});
  EXPECT_ERROR(load_checkpoint(plain, parts),
               "state.json has no grad_scaler but the recipe "
               "trains in f16");
}

}  // namespace
}  // namespace tessel::train
