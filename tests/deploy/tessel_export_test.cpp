// tessel-export end to end: a model by name to a checked ONNX file, and the reference tensors
// tools/check_onnx.py compares with.
#include <gtest/gtest.h>
#include <onnx/checker.h>

#include <fstream>

#include "data/image_io.h"
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

onnx::ModelProto read_model(const std::string& path) {
  onnx::ModelProto m;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(m.ParseFromIstream(&in)) << path;
  return m;
}

TEST(TesselExport, TracesOnAnImageWithLabelsAuxAndDynamicAxes) {
  TempDir dir;
  // One colour: normalised and resized, every pixel of a channel is (v - mean) / std.
  data::Image image{30, 50, 3, 8, {}};
  for (int64_t i = 0; i < image.pixels(); ++i)
    image.bytes.insert(image.bytes.end(), {200, 100, 50});
  const std::string png = dir.path("flat.png"), ref = dir.path("ref.safetensors");
  data::write_png(png, image);
  const std::string onnx_file = dir.path("m.onnx");
  ToolRun r = run_tool(dir, "tessel-export",
                       "--model fcn_resnet18 --classes 3 --aux --size 40x32 --dynamic --image " +
                           png + " --out " + onnx_file + " --reference " + ref);
  ASSERT_EQ(r.code, 0) << r.output;
  nn::StateDict tensors = nn::read_safetensors(ref).tensors;
  ASSERT_EQ(tensors.at("input").sizes(), (Shape{1, 3, 32, 40}));
  std::vector<float> x = tensors.at("input").to_vector<float>();
  const double mean[] = {123.675, 116.28, 103.53}, stdev[] = {58.395, 57.12, 57.375};
  const double value[] = {200, 100, 50};
  for (int c = 0; c < 3; ++c)
    for (int64_t i = 0; i < 32 * 40; ++i)
      ASSERT_NEAR(x[size_t(c * 32 * 40 + i)], (value[c] - mean[c]) / stdev[c], 1e-5) << c;
  EXPECT_EQ(tensors.at("aux").sizes(), (Shape{1, 3, 32, 40}));
  onnx::ModelProto m = read_model(onnx_file);
  ASSERT_EQ(m.graph().output_size(), 2);
  EXPECT_EQ(m.graph().output(1).name(), "aux");
  EXPECT_EQ(m.graph().input(0).type().tensor_type().shape().dim(2).dim_param(), "height");
  EXPECT_EQ(m.graph().input(0).type().tensor_type().shape().dim(3).dim_param(), "width");
  // --labels without a type: i64, the aux head dropped.
  ASSERT_EQ(
      run_tool(dir, "tessel-export",
               "--model fcn_resnet18 --classes 3 --aux --size 40x32 --labels --out " + onnx_file)
          .code,
      0);
  m = read_model(onnx_file);
  ASSERT_EQ(m.graph().output_size(), 1);
  EXPECT_EQ(m.graph().output(0).name(), "labels");
  EXPECT_EQ(m.graph().output(0).type().tensor_type().elem_type(), onnx::TensorProto::INT64);
  // What cannot be done is said.
  struct Bad {
    std::string args;
    int code;
    std::string message;
  } bad[] = {{"--model enet --image " + dir.path("none.png"), 1, dir.path("none.png")},
             {"--model enet --image " + png + " --batch 2", 2, "--image makes a batch of one"},
             {"--model enet --aux", 1, "enet: has no auxiliary head"},
             {"--weights w.safetensors --aux", 2, "--aux is for --model"}};
  for (const Bad& b : bad) {
    ToolRun run = run_tool(dir, "tessel-export", b.args + " --size 32x32 --out " + onnx_file);
    EXPECT_EQ(run.code, b.code) << b.args << "\n" << run.output;
    EXPECT_NE(run.output.find(b.message), std::string::npos) << b.args << "\n" << run.output;
  }
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
