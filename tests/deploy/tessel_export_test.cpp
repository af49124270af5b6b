// tessel-export end to end: a model by name to a checked ONNX file, and the reference tensors
// tools/check_onnx.py compares with.
#include <gtest/gtest.h>
#include <onnx/checker.h>

#include "nn/safetensors.h"
#include "tests/train/tool_run.h"

namespace tessel::testing {
namespace {

TEST(TesselExport, WritesAValidModelAndTheReference) {
  TempDir dir;
  const std::string onnx_file = dir.path("enet.onnx"), ref = dir.path("enet.safetensors");
  ToolRun r = run_tool(dir, "tessel-export",
                       "--model enet --classes 4 --size 40x32 --batch 2 --fold-bn --out " +
                           onnx_file + " --reference " + ref);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("wrote " + onnx_file), std::string::npos) << r.output;
  onnx::checker::check_model(onnx_file);
  nn::StateDict tensors = nn::read_safetensors(ref).tensors;
  EXPECT_EQ(tensors.at("input").sizes(), (Shape{2, 3, 32, 40}));
  EXPECT_EQ(tensors.at("out").sizes(), (Shape{2, 4, 32, 40}));
  // The same seed, the same input.
  ASSERT_EQ(run_tool(dir, "tessel-export",
                     "--model enet --size 40x32 --batch 2 --out " + onnx_file + " --reference " +
                         dir.path("again.safetensors"))
                .code,
            0);
  EXPECT_EQ(
      nn::read_safetensors(dir.path("again.safetensors")).tensors.at("input").to_vector<float>(),
      tensors.at("input").to_vector<float>());
}

TEST(TesselExport, ListsTheModels) {
  TempDir dir;
  ToolRun r = run_tool(dir, "tessel-export", "--list-models");
  EXPECT_EQ(r.code, 0) << r.output;
  for (const char* name : {"enet", "segformer_b0", "deeplabv3_resnet50"})
    EXPECT_NE(r.output.find(std::string(name) + "\n"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace tessel::testing
