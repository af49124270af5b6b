// tessel-train under tessel-run: 2 CPU ranks over Gloo against one process with the global batch.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "nn/safetensors.h"
#include "tests/data/temp_dir.h"
#include "tests/op_harness.h"
#include "tests/train/tool_run.h"

namespace tessel::train {
namespace {
namespace fs = std::filesystem;
using tessel::testing::run_tool;

// A UNet (no dropout, so both runs draw no random numbers while training) on synthetic shapes.
void write_recipe(const fs::path& file) {
  std::ofstream(file) << R"(
model: {name: unet, unet: {base_width: 8, depth: 2, bilinear: true, batch_norm: true}}
optimizer: {name: sgd, lr: 0.05, momentum: 0.9}
schedule: {name: poly}
data:
  format: synthetic
  synthetic_train: 32
  synthetic_val: 7
  synthetic_size: 24
  workers: 1
  train_augment: [hflip, {normalize: {mean: 127.5, std: 64}}]
  val_augment: [{normalize: {mean: 127.5, std: 64}}]
train: {batch_size: 4, iterations: 4, log_interval: 2, device: cpu, seed: 3}
eval: {batch_size: 3, interval: 2}
)";
}

std::string eval_lines(const fs::path& csv) {
  std::ifstream in(csv);
  std::string line, out;
  while (std::getline(in, line))
    if (line.find("val/") != std::string::npos) out += line + "\n";
  return out;
}

TEST(DistributedTrain, TwoRanksEqualOneProcessWithTheGlobalBatch) {
  tessel::testing::TempDir temp;
  const fs::path recipe = temp.root() / "recipe.yaml", one = temp.root() / "one",
                 two = temp.root() / "two";
  write_recipe(recipe);
  auto single =
      run_tool(temp, "tessel-train", recipe.string() + " train.output_dir=" + one.string());
  ASSERT_EQ(single.code, 0) << single.output;
  // Batch 2 on each of 2 ranks: the same 4 images per step, BatchNorm over all 4 (sync_bn).
  auto ranks =
      run_tool(temp, "tessel-run",
               "--nproc-per-node 2 -- " + std::string(TESSEL_TOOLS_DIR) + "/tessel-train " +
                   recipe.string() + " train.output_dir=" + two.string() +
                   " train.batch_size=2 train.sync_bn=true");
  ASSERT_EQ(ranks.code, 0) << ranks.output;
  EXPECT_NE(ranks.output.find("[rank 0] training unet on cpu: 4 iterations of 1 x 2 images on each "
                              "of 2 ranks (gloo; global batch 4)"),
            std::string::npos)
      << ranks.output;
  EXPECT_EQ(ranks.output.find("[rank 1] training"), std::string::npos) << "rank 1 logs too";
  EXPECT_EQ(ranks.output.find("[rank 1] done"), std::string::npos) << "rank 1 reports too";

  auto weights = [](const fs::path& run) {
    return nn::read_safetensors((run / "checkpoints" / "last" / "model.safetensors").string())
        .tensors;
  };
  auto a = weights(one), b = weights(two);
  ASSERT_EQ(a.keys(), b.keys());
  for (const auto& [name, t] : a.items()) EXPECT_ALL_CLOSE(b.at(name), t, 1e-5, 1e-5) << name;
  // Sharded evaluation with summed counts: the metrics of one process.
  EXPECT_EQ(eval_lines(two / "metrics.csv"), eval_lines(one / "metrics.csv"));
  EXPECT_FALSE(eval_lines(one / "metrics.csv").empty());

  // Resuming with another number of ranks is refused, naming both.
  auto resumed = run_tool(temp, "tessel-train",
                          recipe.string() + " train.output_dir=" + two.string() +
                              " train.resume=auto train.iterations=6");
  EXPECT_EQ(resumed.code, 1) << resumed.output;
  EXPECT_NE(resumed.output.find("was written by a run of 2 rank(s) and this run has 1"),
            std::string::npos)
      << resumed.output;
}

}  // namespace
}  // namespace tessel::train
