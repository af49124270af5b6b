// The tools end to end, run as the built binaries on a tiny folder dataset and a randomly
// initialised fcn_resnet18 saved as a checkpoint directory.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "data/image_io.h"
#include "models/registry.h"
#include "nn/safetensors.h"
#include "tests/data/temp_dir.h"

namespace tessel {
namespace {

struct ToolRun {
  int code = -1;
  std::string output;  // stdout and stderr
};

ToolRun run_tool(const testing::TempDir& dir, const std::string& tool, const std::string& args) {
  const std::string log = dir.path("tool.log");
  const std::string command =
      std::string(TESSEL_TOOLS_DIR) + "/" + tool + " " + args + " > " + log + " 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(log);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1,
          std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>())};
}

// root/images/{a,b}.png (32x32 RGB), root/masks/{a,b}.png (labels 0..2), classes.txt, and
// root/ckpt/model.safetensors.
void write_fixture(const testing::TempDir& dir) {
  for (const std::string stem : {"a", "b"}) {
    data::Image img{32, 32, 3, 8, {}};
    data::Mask mask{32, 32, {}};
    for (int64_t i = 0; i < 32 * 32; ++i) {
      const auto label = uint8_t((i / 32 + (stem == "b" ? 5 : 0)) * 3 / 37);
      mask.labels.push_back(label);
      for (int k = 0; k < 3; ++k) img.bytes.push_back(uint8_t(label * 80 + k * 20 + i % 7));
    }
    data::write_png(dir.path("data/images/" + stem + ".png"), img);
    data::write_png(dir.path("data/masks/" + stem + ".png"),
                    data::Image{32, 32, 1, 8, mask.labels});
  }
  dir.write_text("data/classes.txt", "background\nsquare\ndisc\n");
  models::ModelOptions options;
  options.num_classes = 3;
  nn::save_state_dict(dir.path("ckpt/model.safetensors"), *models::create("fcn_resnet18", options));
}

TEST(Tools, EvalPrintsTheMetricsTable) {
  testing::TempDir dir;
  write_fixture(dir);
  const std::string common = "--model fcn_resnet18 --classes 3 --device cpu --dataset folder";
  const std::string paths = " --weights " + dir.path("ckpt") + " --root " + dir.path("data") +
                            " --confusion " + dir.path("cm.png");
  ToolRun r = run_tool(dir, "tessel-eval", common + paths);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("2 images"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("square"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("mean"), std::string::npos) << r.output;
  EXPECT_EQ(data::read_image(dir.path("cm.png")).width, 3 * (800 / 3));

  r = run_tool(dir, "tessel-eval",
               common + paths + " --sliding 24x24:16x16 --scales 0.75,1 --flip");
  ASSERT_EQ(r.code, 0) << r.output;
}

TEST(Tools, EvalErrorsSayWhatToDo) {
  testing::TempDir dir;
  write_fixture(dir);
  ToolRun r = run_tool(dir, "tessel-eval", "--model fcn_resnet18 --classes 3 --dataset folder");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("missing --weights"), std::string::npos) << r.output;
  r = run_tool(dir, "tessel-eval",
               "--classes 3 --weights " + dir.path("nowhere") +
                   " --model fcn_resnet18 --dataset folder --root x");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("checkpoint directory"), std::string::npos) << r.output;
  r = run_tool(dir, "tessel-eval", "--sliding 5 --classes 3");
  EXPECT_NE(r.output.find("--sliding"), std::string::npos) << r.output;
  EXPECT_EQ(run_tool(dir, "tessel-eval", "--help").code, 0);
}

TEST(Tools, PredictWritesPaletteMasksAndOverlays) {
  testing::TempDir dir;
  write_fixture(dir);
  const ToolRun r =
      run_tool(dir, "tessel-predict",
               "--model fcn_resnet18 --classes 3 --device cpu --weights " +
                   dir.path("ckpt/model.safetensors") + " " + dir.path("data/images") + " --out " +
                   dir.path("out") + " --overlay");
  ASSERT_EQ(r.code, 0) << r.output;
  for (const std::string stem : {"a", "b"}) {
    const data::Mask mask = data::read_mask(dir.path("out/" + stem + ".png"));
    EXPECT_EQ(mask.height, 32);
    EXPECT_EQ(mask.width, 32);
    for (uint8_t label : mask.labels) ASSERT_LT(label, 3);
    const data::Image overlay = data::read_image(dir.path("out/" + stem + "_overlay.png"));
    EXPECT_EQ(overlay.width, 32);
    EXPECT_EQ(overlay.channels, 3);
  }
}

TEST(Tools, BenchReportsTimesAndMemory) {
  testing::TempDir dir;
  const ToolRun r = run_tool(dir, "tessel-bench",
                             "--model fcn_resnet18 --classes 3 --size 32x32 --batch 2 --iters 1 "
                             "--device cpu --train");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("images/s"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("train"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("peak memory"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace tessel
