// Every tool's command line (tools/cli/tool.h): --help and --version exit 0, a wrong command line
// exits 2 with a message naming what is wrong, and a run that fails exits 1.
#include <gtest/gtest.h>

#include <vector>

#include "core/version.h"
#include "tests/train/tool_run.h"

namespace tessel::testing {
namespace {

const char* const kTools[] = {"tessel-train", "tessel-eval",  "tessel-predict",
                              "tessel-data",  "tessel-bench", "tessel-export"};

// A command line, the exit code it must give and a text its output must hold.
struct Case {
  std::string tool, args;
  int code;
  std::string said;
};

// Usage errors (2), and only they, point at --help.
void expect(const TempDir& dir, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.tool + " " + c.args);
    const ToolRun r = run_tool(dir, c.tool, c.args);
    EXPECT_EQ(r.code, c.code) << r.output;
    EXPECT_NE(r.output.find(c.said), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("--help for usage") != std::string::npos, c.code == 2) << r.output;
  }
}

TEST(ToolsCli, HelpAndVersionExitZero) {
  TempDir dir;
  for (const std::string tool : kTools) {
    ToolRun r = run_tool(dir, tool, "--help");
    EXPECT_EQ(r.code, 0) << tool << ":\n" << r.output;
    EXPECT_NE(r.output.find("Usage: " + tool), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("--version"), std::string::npos) << r.output;
    r = run_tool(dir, tool, "--version");
    EXPECT_EQ(r.code, 0) << tool << ":\n" << r.output;
    EXPECT_EQ(r.output.rfind(tool + " " + version(), 0), 0u) << r.output;
  }
  // What each says beyond its flags: the recipe keys, the dataset formats, the subcommands.
  EXPECT_NE(run_tool(dir, "tessel-train", "--help").output.find("optimizer.lr"), std::string::npos);
  EXPECT_NE(run_tool(dir, "tessel-eval", "-h").output.find("cityscapes"), std::string::npos);
  const ToolRun data = run_tool(dir, "tessel-data", "--help");
  for (const std::string command : {"check", "export", "synth"}) {
    EXPECT_NE(data.output.find(command), std::string::npos) << data.output;
    const ToolRun r = run_tool(dir, "tessel-data", command + " --help");
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("Usage: tessel-data " + command), std::string::npos) << r.output;
  }
}

TEST(ToolsCli, AWrongCommandLineExitsTwoNamingIt) {
  TempDir dir;
  std::vector<Case> cases;
  for (const std::string tool : kTools)
    cases.push_back({tool, "--no-such-flag", 2,
                     tool + ": The following argument was not "
                            "expected: --no-such-flag"});
  // A malformed or unknown value names its flag; so does a missing one, or a subcommand.
  expect(dir, cases);
  expect(dir,
         {
             {"tessel-bench", "--model fcn_resnet18 --batch none", 2, "--batch"},
             {"tessel-bench", "--model fcn_resnet18 --size 512", 2, "--size"},
             {"tessel-bench", "--model no_such_net", 2, "--model"},
             {"tessel-eval", "--weights w --dataset folder --root r --scales 1,x", 2, "--scales"},
             {"tessel-eval", "--weights w --dataset no_such_format --root r", 2, "--dataset"},
             {"tessel-predict", "--weights w in --out o --device gpu", 2, "--device"},
             {"tessel-predict", "--weights w in --out o --max-pixels 0", 2, "--max-pixels"},
             {"tessel-predict", "--weights w in", 2, "--out is required"},
             {"tessel-train", "", 2, "RECIPE is required"},
             {"tessel-export", "--model enet", 2, "--out is required"},
             {"tessel-export", "--out m.onnx", 2, "give --weights CKPT, or --model NAME"},
             {"tessel-export", "--model enet --out m.onnx --opset 21", 2, "--opset"},
             {"tessel-export", "--model enet --out m.onnx --labels u16", 2, "--labels"},
             {"tessel-export", "--model enet --out m.onnx --size 64", 2, "--size"},
             {"tessel-data", "", 2, "A subcommand is required"},
             {"tessel-data", "frobnicate", 2, "frobnicate"},
             {"tessel-data", "synth " + dir.path("s") + " --count -3", 2, "--count"},
             {"tessel-data", "check folder r --bogus", 2, "tessel-data check: "},
         });
}

// Command lines that parse but whose work fails: files that are not there, a CUDA device that
// is not (no machine has a cuda:99).
TEST(ToolsCli, AFailedRunExitsOne) {
  TempDir dir;
  const std::string nowhere = dir.path("nowhere");
  expect(
      dir,
      {
          {"tessel-train", nowhere + ".yaml", 1, nowhere + ".yaml"},
          {"tessel-eval", "--weights " + nowhere + " --dataset folder --root r", 1, nowhere},
          {"tessel-predict", "--weights " + nowhere + " in --out " + dir.path("out"), 1, nowhere},
          {"tessel-data", "check folder " + nowhere, 1, nowhere},
          {"tessel-export", "--weights " + nowhere + " --out " + dir.path("m.onnx"), 1, nowhere},
          {"tessel-data", "export folder " + nowhere + " " + dir.path("out"), 1, nowhere},
          {"tessel-bench", "--model fcn_resnet18 --size 32x32 --device cuda:99", 1,
           "tessel-bench: "},
      });
}

}  // namespace
}  // namespace tessel::testing
