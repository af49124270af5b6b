// A run killed (SIGKILL, a real child process) after its first checkpoint and resumed from it
// ends with the same weights, byte for byte, as a run never interrupted.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/data/temp_dir.h"
#include "tests/train/train_recipe.h"

namespace tessel::train {
namespace {
namespace fs = std::filesystem;

fs::path tessel_train_binary() {
  return fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "tools" / "tessel-train";
}

pid_t spawn(const fs::path& recipe, const std::vector<std::string>& overrides) {
  pid_t pid = fork();
  if (pid == 0) {
    std::string binary = tessel_train_binary().string(), path = recipe.string();
    std::vector<char*> argv = {binary.data(), path.data()};
    std::vector<std::string> args = overrides;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    freopen("/dev/null", "w", stdout);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

std::string bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

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
