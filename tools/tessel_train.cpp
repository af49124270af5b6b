// tessel-train RECIPE [key=value ...]: trains what a recipe file describes (train/config.h),
// printing progress and evaluations, and says where the checkpoints and the CSV went.
//
// SIGINT (Ctrl-C) and SIGTERM (`kill`, SLURM's pre-emption) stop the run gracefully: the trainer
// finishes the iteration in progress, writes RUN/checkpoints/last and returns; the tool prints the
// command that resumes it and exits with 128 + the signal (130, 143). A second signal exits at
// once. Other exit codes: tools/cli/tool.h; the recipe and its overrides are checked together, as
// one document, so an error in either exits 1.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/cli/tool.h"
#include "train/trainer.h"

using namespace tessel;

namespace {

// Every recipe key, for --help.
std::string keys_help() {
  std::string text = "Recipe keys (train/config.h):\n";
  for (const std::string& key : train::recipe_keys()) text += "  " + key + "\n";
  return text;
}

// The signal that asked the run to stop; the trainer watches it between iterations.
std::atomic<int> g_stop{0};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler stores into it");

void say(const char* text) {  // async-signal-safe
  ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

// Only async-signal-safe calls: an atomic exchange, write and _exit. The second signal exits
// without unwinding; that cannot leave a half-written checkpoint, because a checkpoint is filled
// in a temporary directory that appears under its name by one rename, and `last` is a link moved
// by one rename (train/checkpoint.h): killed at any moment, `last` names a complete checkpoint.
extern "C" void on_stop_signal(int signal) {
  if (g_stop.exchange(signal) != 0) {
    say("tessel-train: second signal: exiting now; checkpoints/last, if any, is the previous "
        "checkpoint\n");
    ::_exit(128 + signal);
  }
  say("tessel-train: stopping after this iteration to save a checkpoint (signal again to exit "
      "now)\n");
}

// Routes SIGINT and SIGTERM to on_stop_signal while alive, and puts the previous handlers back.
// A signal the process was started ignoring (`cmd &` in a script ignores SIGINT) stays ignored.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;  // interrupted system calls carry on
    for (int i = 0; i < 2; ++i) {
      sigaction(kSignals[i], &action, &previous_[i]);
      if (previous_[i].sa_handler == SIG_IGN) sigaction(kSignals[i], &previous_[i], nullptr);
    }
  }
  ~StopSignals() {
    for (int i = 0; i < 2; ++i) sigaction(kSignals[i], &previous_[i], nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  static constexpr int kSignals[2] = {SIGINT, SIGTERM};
  struct sigaction previous_[2];
};

// `arg` as a POSIX shell reads it back: as it is when plain, else in single quotes.
std::string shell_quote(const std::string& arg) {
  const char* plain = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+./=:,@%";
  if (!arg.empty() && arg.find_first_not_of(plain) == std::string::npos) return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// This command line with train.resume pointing at `checkpoint` (any earlier train.resume goes).
std::string resume_command(char** argv, int argc, const std::string& checkpoint) {
  // Appends piece by piece: GCC 12's -Wrestrict misfires on `" " + std::string` chains here.
  std::string command = shell_quote(argv[0]);
  auto add = [&](const std::string& arg) {
    command += ' ';
    command += shell_quote(arg);
  };
  add(argv[1]);
  for (int i = 2; i < argc; ++i)
    if (!std::string(argv[i]).starts_with("train.resume=")) add(argv[i]);
  add("train.resume=" + checkpoint);
  return command;
}

// Trains, stopping gracefully on SIGINT and SIGTERM, and says where everything went; returns
// the exit code (128 + the signal when one stopped the run).
int train_and_report(const std::string& recipe, const std::vector<std::string>& overrides, int argc,
                     char** argv) {
  train::Trainer trainer(train::load_recipe(recipe, overrides));
  trainer.stop_on(&g_stop);
  train::TrainResult r;
  {
    StopSignals signals;
    r = trainer.run();
  }
  if (trainer.launch().rank != 0) return r.stopped_by ? 128 + r.stopped_by : 0;  // rank 0 reports
  if (r.stopped_by) {
    std::fflush(stdout);
    std::fprintf(stderr,
                 "tessel-train: %s: stopped at iteration %lld of %lld, saved in %s\n"
                 "resume with: %s\n(or the same command with train.resume=auto)\n",
                 r.stopped_by == SIGINT ? "SIGINT" : "SIGTERM", (long long)r.iterations,
                 (long long)trainer.total_iterations(), r.last_checkpoint.c_str(),
                 resume_command(argv, argc, r.last_checkpoint).c_str());
    return 128 + r.stopped_by;
  }
  std::printf("done: %lld iterations in %.1f s; %s %.2f%% (best %.2f%%)%s\n",
              (long long)r.iterations, r.seconds, trainer.recipe().checkpoint.metric.c_str(),
              100 * r.score, 100 * r.best_score, r.early_stopped ? ", stopped early" : "");
  std::printf("checkpoints: %s (last), %s (best)\nmetrics: %s\n", r.last_checkpoint.c_str(),
              r.best_checkpoint.c_str(), r.csv.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Trains a segmentation model as the YAML recipe says. Any recipe key can be overridden, "
      "e.g. optimizer.lr=0.02 train.iterations=100 train.device=cpu; "
      "train.resume=RUN/checkpoints/last continues a run exactly where it stopped, and "
      "train.resume=auto does when that checkpoint exists (else it starts fresh). "
      "SIGINT or SIGTERM saves RUN/checkpoints/last after the current iteration and exits with "
      "130 or 143; a second signal exits at once.",
      "tessel-train"};
  std::string recipe;
  std::vector<std::string> overrides;
  app.add_option("RECIPE", recipe, "the recipe, a YAML file (see recipes/)")->required();
  app.add_option("overrides", overrides, "recipe keys to override, applied in order")
      ->type_name("KEY=VALUE ...");
  app.footer(keys_help());
  return tools::run(app, argc, argv,
                    [&] { return train_and_report(recipe, overrides, argc, argv); });
}
