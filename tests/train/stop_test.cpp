// tessel-train stopped by SIGTERM or SIGINT (a real child process, signalled once its log shows
// an iteration) saves checkpoints/last, exits 143 / 130 with the command that resumes it, and
// that command, or train.resume=auto, ends with the weights of a run never interrupted, byte for
// byte. train.resume=auto starts fresh when there is no checkpoint; a second signal exits at once.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "tests/data/temp_dir.h"
#include "tests/train/tool_process.h"
#include "tests/train/train_recipe.h"

namespace tessel::train {
namespace {
namespace fs = std::filesystem;
using namespace testing;

constexpr int kIterations = 5;

struct Outcome {
  int status = -1;
  std::string log;
  std::string weights;  // checkpoints/last/model.safetensors
};

int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The tiny recipe in `dir`, smaller still (16x16 images, 2 a batch: the tests run 4 processes
// each), logging every iteration, evaluating only at the end, drawing no overlays.
fs::path write_recipe(const fs::path& dir) {
  fs::path recipe = dir / "tiny.yaml";
  std::string text = tiny_recipe((dir / "run").string(), kIterations, 0);
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"log_interval: 1000", "log_interval: 1"},
        {"synthetic_size: 32", "synthetic_size: 16"},
        {"batch_size: 4", "batch_size: 2"},
        {"interval: 0}", "interval: 0, overlays: 0}"}}) {
    const size_t at = text.find(from);
    if (at == std::string::npos)
      ADD_FAILURE() << "tiny_recipe has no '" << from << "'";
    else
      text.replace(at, from.size(), to);
  }
  std::ofstream(recipe) << text;
  return recipe;
}

// Runs tessel-train to its end.
Outcome run_to_end(const fs::path& recipe, const std::vector<std::string>& overrides,
                   const fs::path& output_dir) {
  const std::string log = (output_dir.parent_path() / "end.log").string();
  Outcome r;
  r.status = wait_for(spawn(recipe, overrides, log));
  r.log = bytes_of(log);
  r.weights = bytes_of(output_dir / "checkpoints" / "last" / "model.safetensors");
  return r;
}

// Starts tessel-train, sends `signal` once the log shows iteration `after`, waits for it and
// checks that it stopped as it should: exit 128 + signal, its message, checkpoints/last, no
// evaluation.
Outcome run_and_signal(const fs::path& recipe, const fs::path& output_dir, int signal, int after) {
  const std::string log = (output_dir.parent_path() / "signalled.log").string();
  pid_t pid = spawn(recipe, {"train.output_dir=" + output_dir.string()}, log);
  const bool seen = wait_for_text(log, "iter " + std::to_string(after) + "/", pid);
  kill(pid, signal);
  Outcome r;
  r.status = wait_for(pid);
  r.log = bytes_of(log);
  EXPECT_TRUE(seen) << "the run ended before it could be signalled:\n" << r.log;
  EXPECT_EQ(exit_code(r.status), 128 + signal) << r.log;
  const std::string name = signal == SIGINT ? "SIGINT" : "SIGTERM";
  EXPECT_NE(r.log.find("tessel-train: " + name + ": stopped at iteration "), std::string::npos)
      << r.log;
  EXPECT_EQ(r.log.find("evaluation at iteration"), std::string::npos) << r.log;
  EXPECT_TRUE(fs::exists(output_dir / "checkpoints" / "last" / "state.json")) << r.log;
  return r;
}

// A run never interrupted, in a directory of its own, started with train.resume=auto (there is
// no checkpoint yet, so it starts fresh); shared by the tests.
const Outcome& uninterrupted() {
  static const fs::path dir =
      fs::temp_directory_path() / ("tessel_Stop_uninterrupted_" + std::to_string(getpid()));
  static const Outcome run = [] {
    fs::remove_all(dir);
    fs::create_directories(dir);
    Outcome r = run_to_end(write_recipe(dir), {"train.resume=auto"}, dir / "run");
    fs::remove_all(dir);
    return r;
  }();
  return run;
}

TEST(Stop, ResumeAutoStartsFreshWithoutACheckpoint) {
  const Outcome& whole = uninterrupted();
  ASSERT_EQ(exit_code(whole.status), 0) << whole.log;
  EXPECT_NE(whole.log.find("train.resume=auto: no checkpoint at "), std::string::npos) << whole.log;
  EXPECT_NE(whole.log.find("checkpoints/last; starting fresh"), std::string::npos) << whole.log;
  EXPECT_EQ(whole.log.find("resumed from"), std::string::npos) << whole.log;
  EXPECT_FALSE(whole.weights.empty());
}

// SIGTERM (SLURM's pre-emption): exit 143, and the printed command resumes to the same weights.
TEST(Stop, SigtermSavesLastAndThePrintedCommandResumesExactly) {
  tessel::testing::TempDir temp;
  const fs::path recipe = write_recipe(temp.root()), out = temp.root() / "run";
  const Outcome stopped = run_and_signal(recipe, out, SIGTERM, 2);
  ASSERT_FALSE(HasFailure());

  const std::string prompt = "resume with: ";
  const size_t at = stopped.log.find(prompt);
  ASSERT_NE(at, std::string::npos) << stopped.log;
  const std::string command =
      stopped.log.substr(at + prompt.size(), stopped.log.find('\n', at) - at - prompt.size());
  EXPECT_NE(command.find(tessel_train_binary().string() + " " + recipe.string() +
                         " train.output_dir=" + out.string() +
                         " train.resume=" + (out / "checkpoints" / "last").string()),
            std::string::npos)
      << command;
  const std::string log = temp.path("resumed.log");
  const int status = std::system((command + " > " + log + " 2>&1").c_str());
  ASSERT_EQ(exit_code(status), 0) << bytes_of(log);
  EXPECT_NE(bytes_of(log).find("resumed from"), std::string::npos) << bytes_of(log);
  const Outcome& whole = uninterrupted();
  ASSERT_FALSE(whole.weights.empty()) << whole.log;
  EXPECT_TRUE(bytes_of(out / "checkpoints" / "last" / "model.safetensors") == whole.weights);
}

// SIGINT (Ctrl-C): exit 130, and train.resume=auto continues from checkpoints/last.
TEST(Stop, SigintExits130AndResumeAutoContinues) {
  tessel::testing::TempDir temp;
  const fs::path recipe = write_recipe(temp.root()), out = temp.root() / "run";
  run_and_signal(recipe, out, SIGINT, 1);
  ASSERT_FALSE(HasFailure());

  const Outcome resumed =
      run_to_end(recipe, {"train.output_dir=" + out.string(), "train.resume=auto"}, out);
  ASSERT_EQ(exit_code(resumed.status), 0) << resumed.log;
  EXPECT_NE(resumed.log.find("resumed from " + (out / "checkpoints" / "last").string()),
            std::string::npos)
      << resumed.log;
  EXPECT_TRUE(resumed.weights == uninterrupted().weights);
}

// The second signal exits at once, mid-iteration, without writing a checkpoint.
TEST(Stop, SecondSignalExitsAtOnce) {
  tessel::testing::TempDir temp;
  const fs::path recipe = write_recipe(temp.root()), out = temp.root() / "run";
  const std::string log = temp.path("twice.log");
  pid_t pid = spawn(recipe, {"train.output_dir=" + out.string()}, log);
  ASSERT_TRUE(wait_for_text(log, "iter 1/", pid)) << bytes_of(log);
  kill(pid, SIGTERM);
  // The handler has run once it says so; the iteration in progress has not ended yet.
  ASSERT_TRUE(wait_for_text(log, "stopping after this iteration", pid)) << bytes_of(log);
  kill(pid, SIGTERM);
  EXPECT_EQ(exit_code(wait_for(pid)), 143) << bytes_of(log);
  EXPECT_NE(bytes_of(log).find("second signal: exiting now"), std::string::npos) << bytes_of(log);
  EXPECT_FALSE(fs::exists(out / "checkpoints" / "last"));
}

}  // namespace
}  // namespace tessel::train
