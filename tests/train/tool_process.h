// tessel-train as a real child process, for the tests that kill or signal it mid-run.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tessel::train::testing {

inline std::filesystem::path tessel_train_binary() {
  return std::filesystem::path(TESSEL_TOOLS_DIR) / "tessel-train";
}

// Starts tessel-train RECIPE OVERRIDES..., its stdout and stderr going to `log` (or nowhere).
inline pid_t spawn(const std::filesystem::path& recipe, const std::vector<std::string>& overrides,
                   const std::string& log = "/dev/null") {
  pid_t pid = fork();
  if (pid == 0) {
    std::string binary = tessel_train_binary().string(), path = recipe.string();
    std::vector<char*> argv = {binary.data(), path.data()};
    std::vector<std::string> args = overrides;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// The wait status of `pid`, once it has ended.
inline int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

inline std::string bytes_of(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Polls `log` until it contains `text` (true) or the child `pid` ends first (false).
inline bool wait_for_text(const std::string& log, const std::string& text, pid_t pid) {
  while (bytes_of(log).find(text) == std::string::npos) {
    siginfo_t info{};  // left for wait_for to reap
    if (waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid != 0)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace tessel::train::testing
