// The tools end to end, run as the built binaries on a tiny folder dataset and a randomly
// initialised fcn_resnet18 saved as a checkpoint directory.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "core/json.h"
#include "data/datasets.h"
#include "data/image_io.h"
#include "models/registry.h"
#include "nn/safetensors.h"
#include "tests/data/temp_dir.h"
#include "tests/train/tool_run.h"
#include "train/cli.h"

namespace tessel {
namespace {

using testing::run_tool;
using testing::ToolRun;

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

  // Machine-readable: every metric and the counts; the matrix as an SVG with the class names.
  r = run_tool(dir, "tessel-eval",
               common + " --weights " + dir.path("ckpt") + " --root " + dir.path("data") +
                   " --json " + dir.path("m.json") + " --confusion " + dir.path("cm.svg"));
  ASSERT_EQ(r.code, 0) << r.output;
  const Json m = read_json(dir.path("m.json"));
  ASSERT_EQ(m.at("classes").size(), 3u);
  EXPECT_EQ(m.at("classes")[1].at("name"), "square");
  int64_t pixels = 0;
  for (const Json& row : m.at("confusion"))
    for (const Json& count : row) pixels += count.get<int64_t>();
  EXPECT_EQ(pixels, 2 * 32 * 32);
  EXPECT_TRUE(m.at("mIoU").is_number());
  std::ifstream svg(dir.path("cm.svg"));
  const std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find(">square</text>"), std::string::npos);
}

TEST(Tools, EvalErrorsSayWhatToDo) {
  testing::TempDir dir;
  write_fixture(dir);
  ToolRun r = run_tool(dir, "tessel-eval", "--model fcn_resnet18 --classes 3 --dataset folder");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--weights is required"), std::string::npos) << r.output;
  r = run_tool(dir, "tessel-eval",
               "--classes 3 --weights " + dir.path("nowhere") +
                   " --model fcn_resnet18 --dataset folder --root x");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("checkpoint directory"), std::string::npos) << r.output;
  r = run_tool(dir, "tessel-eval", "--sliding 5 --classes 3");
  EXPECT_EQ(r.code, 2);
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

// A trainer checkpoint names its model, classes, options and normalisation: the tools need no
// --model or --classes for it, and check them against it when given.
TEST(Tools, CheckpointMetadataBuildsTheModel) {
  testing::TempDir dir;
  write_fixture(dir);
  models::ModelOptions options;
  options.num_classes = 3;
  options.aux = true;  // an aux head: a model built without it would not load these weights
  nn::Metadata meta = {
      {"model", "fcn_resnet18"}, {"num_classes", "3"}, {"aux", "true"}, {"output_stride", "8"}};
  meta.merge(train::normalize_metadata({{1, 2, 3}, {4, 5, 6.5}}));
  nn::save_state_dict(dir.path("aux/model.safetensors"), *models::create("fcn_resnet18", options),
                      meta);
  const train::LoadedModel loaded = train::load_model(dir.path("aux"), "", 0, kCPU);
  EXPECT_EQ(loaded.name, "fcn_resnet18");
  EXPECT_EQ(loaded.num_classes, 3);
  EXPECT_EQ(loaded.normalize.mean, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(loaded.normalize.std, (std::vector<double>{4, 5, 6.5}));

  const std::string data = " --device cpu --dataset folder --root " + dir.path("data");
  ToolRun r = run_tool(dir, "tessel-eval", "--weights " + dir.path("aux") + data);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("2 images"), std::string::npos) << r.output;
  r = run_tool(dir, "tessel-eval", "--classes 4 --weights " + dir.path("aux") + data);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("was trained for 3 classes but --classes is 4"), std::string::npos)
      << r.output;
  r = run_tool(dir, "tessel-predict",
               "--model fcn_resnet50 --weights " + dir.path("aux") + " " + dir.path("data/images") +
                   " --out " + dir.path("out"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("holds a fcn_resnet18 but --model is fcn_resnet50"), std::string::npos)
      << r.output;
  // Plain weights without metadata need both flags.
  r = run_tool(dir, "tessel-eval", "--weights " + dir.path("ckpt") + data);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("pass --model"), std::string::npos) << r.output;
}

// A UNet of another shape than the default is rebuilt from the checkpoint's unet_* entries; bad
// entries are named.
TEST(Tools, CheckpointMetadataBuildsTheUNetShape) {
  testing::TempDir dir;
  models::ModelOptions options;
  options.num_classes = 3;
  options.unet = {.base_width = 8, .depth = 3, .bilinear = true, .batch_norm = false};
  nn::Metadata meta = {{"model", "unet"}, {"num_classes", "3"}};
  meta.merge(train::unet_metadata(options.unet));
  nn::save_state_dict(dir.path("unet/model.safetensors"), *models::create("unet", options), meta);
  const train::LoadedModel loaded = train::load_model(dir.path("unet"), "", 0, kCPU);
  EXPECT_EQ(loaded.model->num_parameters(), models::create("unet", options)->num_parameters());

  meta["unet_bilinear"] = "yes";
  nn::save_state_dict(dir.path("bad/model.safetensors"), *models::create("unet", options), meta);
  EXPECT_ERROR(train::load_model(dir.path("bad"), "", 0, kCPU),
               "unet_bilinear metadata: expected true or false, got 'yes'");
}

// tessel-data synth writes the built-in synthetic shapes as a folder dataset that reads back the
// same samples; export does the same for any format.
TEST(Tools, DataSynthAndExportWriteFolderDatasets) {
  testing::TempDir dir;
  ToolRun r =
      run_tool(dir, "tessel-data", "synth " + dir.path("synth") + " --count 3 --size 20 --seed 5");
  ASSERT_EQ(r.code, 0) << r.output;
  r = run_tool(dir, "tessel-data", "export folder " + dir.path("synth") + " " + dir.path("copy"));
  ASSERT_EQ(r.code, 0) << r.output;
  data::SyntheticOptions o;
  o.count = 3;
  o.height = o.width = 20;
  o.seed = 5;
  const data::SyntheticDataset reference(o);
  for (const std::string root : {"synth", "copy"}) {
    auto set = data::folder_dataset(dir.path(root));
    ASSERT_EQ(set->size(), 3u);
    EXPECT_EQ(set->classes().names, reference.classes().names);
    EXPECT_EQ(set->classes().colours, reference.classes().colours);
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(set->get(i).image.bytes, reference.get(i).image.bytes) << root << " " << i;
      EXPECT_EQ(set->get(i).mask.labels, reference.get(i).mask.labels) << root << " " << i;
    }
  }
  r = run_tool(dir, "tessel-data", "synth " + dir.path("x") + " --count many");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--count: expected a non-negative integer, got 'many'"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(run_tool(dir, "tessel-data", "synth").code, 2);
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
  const ToolRun cpu_bf16 =
      run_tool(dir, "tessel-bench", "--model fcn_resnet18 --device cpu --precision bf16");
  EXPECT_EQ(cpu_bf16.code, 2);
  EXPECT_NE(cpu_bf16.output.find("--precision: bf16 needs a CUDA device"), std::string::npos)
      << cpu_bf16.output;
}

}  // namespace
}  // namespace tessel
