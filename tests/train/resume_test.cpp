// A run killed (SIGKILL, a real child process) after its first checkpoint and resumed from it
// ends with the same weights, byte for byte, as a run never interrupted.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/data/temp_dir.h"
#include "tests/train/tool_process.h"
#include "tests/train/train_recipe.h"

namespace tessel::train {
namespace {
namespace fs = std::filesystem;
using namespace testing;

TEST(Resume, KilledRunResumesToTheSameWeights) {
  if (!fs::exists(tessel_train_binary())) GTEST_SKIP() << "no " << tessel_train_binary();
  tessel::testing::TempDir temp;
  fs::path dir = temp.root();
  fs::path recipe = dir / "tiny.yaml";
  std::ofstream(recipe) << testing::tiny_recipe((dir / "whole").string(), 6, 2);

  int status = wait_for(spawn(recipe, {}));
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;

  std::string killed = (dir / "killed").string();
  pid_t pid = spawn(recipe, {"train.output_dir=" + killed});
  fs::path last = fs::path(killed) / "checkpoints" / "last";
  while (!fs::exists(last) && waitpid(pid, nullptr, WNOHANG) == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(pid, SIGKILL);
  status = wait_for(pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended before it could be killed";
  ASSERT_TRUE(fs::exists(last));

  status = wait_for(spawn(
      recipe, {"train.output_dir=" + killed, "train.resume=" + fs::canonical(last).string()}));
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  std::string whole = bytes_of(dir / "whole" / "checkpoints" / "last" / "model.safetensors");
  ASSERT_FALSE(whole.empty());
  EXPECT_TRUE(whole == bytes_of(last / "model.safetensors"));
}

}  // namespace
}  // namespace tessel::train
