// tessel-run: starts the local ranks of a data-parallel job, as torchrun does.
//   tessel-run --nproc-per-node N [--nnodes M --node-rank R --master-addr A --master-port P]
//              -- COMMAND [ARGS...]
// Each rank runs COMMAND with RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and
// MASTER_PORT set (dist/launch_env.h reads them); its output lines come out prefixed with
// "[rank R] ". When a rank fails, the others are stopped (SIGTERM, then SIGKILL after
// --grace seconds) and tessel-run exits with the failed rank's status (128 + signal when a
// signal killed it). SIGINT and SIGTERM sent to tessel-run are passed on to every rank, which
// then take the time they need (tessel-train writes a checkpoint); a second one kills them.
// Exit codes: tools/cli/tool.h, or the failed rank's.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "dist/launch_env.h"
#include "dist/socket.h"
#include "tools/cli/tool.h"

namespace {

volatile sig_atomic_t g_signal = 0;
void remember_signal(int sig) {
  g_signal = sig;
}

struct Rank {
  int rank = 0;
  pid_t pid = -1;
  int out = -1, err = -1;          // read ends of its stdout and stderr pipes
  std::string out_tail, err_tail;  // a line not yet ended
  bool running = true;
  int status = 0;
};

// Writes every complete line of `text` (with what was left before) to `to`, prefixed.
void emit(std::string& tail, const char* data, size_t n, const std::string& prefix, FILE* to,
          bool flush_all) {
  tail.append(data, n);
  size_t start = 0;
  for (size_t nl; (nl = tail.find('\n', start)) != std::string::npos; start = nl + 1)
    std::fprintf(to, "%s%.*s\n", prefix.c_str(), static_cast<int>(nl - start), tail.data() + start);
  tail.erase(0, start);
  if (flush_all && !tail.empty()) {
    std::fprintf(to, "%s%s\n", prefix.c_str(), tail.c_str());
    tail.clear();
  }
  std::fflush(to);
}

pid_t spawn(const std::vector<std::string>& command, const std::vector<std::string>& env_add,
            int out_fd, int err_fd) {
  std::vector<char*> argv;
  for (auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  // The child: its own process group, so that stopping it stops what it started too.
  ::setpgid(0, 0);
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(err_fd, STDERR_FILENO);
  for (auto& kv : env_add) ::putenv(const_cast<char*>(kv.c_str()));
  ::execvp(argv[0], argv.data());
  std::fprintf(stderr, "tessel-run: cannot run '%s': %s\n", argv[0], std::strerror(errno));
  ::_exit(127);
}

int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tessel;
  CLI::App app{
      "Starts the local ranks of a data-parallel job (as torchrun): each runs COMMAND "
      "with RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT "
      "set.",
      "tessel-run"};
  int nproc = 1, nnodes = 1, node_rank = 0, master_port = 0, grace = 10;
  std::string master_addr = "127.0.0.1";
  std::vector<std::string> command;
  app.add_option("--nproc-per-node", nproc, "ranks to start on this node")
      ->check(tools::positive_integer());
  app.add_option("--nnodes", nnodes, "nodes in the job")->check(tools::positive_integer());
  app.add_option("--node-rank", node_rank, "this node's index, 0 to nnodes-1")
      ->check(tools::non_negative_integer());
  app.add_option("--master-addr", master_addr, "the host of rank 0 (node 0)");
  app.add_option("--master-port", master_port,
                 "rank 0's store port (default: a free port on one node, 29500 on several)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--grace", grace, "seconds between SIGTERM and SIGKILL when stopping ranks")
      ->check(tools::non_negative_integer());
  app.add_option("COMMAND", command, "the program and its arguments (after --)")->required();
  return tools::run(app, argc, argv, [&] {
    tools::usage_check([&] {
      TESSEL_CHECK(node_rank < nnodes, "--node-rank ", node_rank, " is not below --nnodes ",
                   nnodes);
      TESSEL_CHECK(int64_t{nproc} * nnodes <= (1 << 20), "a world of ", int64_t{nproc} * nnodes,
                   " ranks is too large");
      TESSEL_CHECK(nnodes == 1 || master_port != 0,
                   "--master-port is required with several nodes (every node must agree on it)");
    });
    if (master_port == 0) {  // one node: a port nobody else uses, as torchrun's standalone mode
      dist::Socket probe = dist::listen_on(0);
      master_port = dist::local_port(probe);
    }
    ::signal(SIGINT, remember_signal);
    ::signal(SIGTERM, remember_signal);
    ::signal(SIGPIPE, SIG_IGN);

    std::vector<Rank> ranks(static_cast<size_t>(nproc));
    for (int i = 0; i < nproc; ++i) {
      Rank& r = ranks[static_cast<size_t>(i)];
      r.rank = node_rank * nproc + i;
      int out[2], err[2];
      TESSEL_CHECK(::pipe2(out, O_CLOEXEC) == 0 && ::pipe2(err, O_CLOEXEC) == 0,
                   "tessel-run: pipe failed: ", std::strerror(errno));
      std::vector<std::string> env = {
          "RANK=" + std::to_string(r.rank),  "WORLD_SIZE=" + std::to_string(nproc * nnodes),
          "LOCAL_RANK=" + std::to_string(i), "LOCAL_WORLD_SIZE=" + std::to_string(nproc),
          "MASTER_ADDR=" + master_addr,      "MASTER_PORT=" + std::to_string(master_port)};
      r.pid = spawn(command, env, out[1], err[1]);
      TESSEL_CHECK(r.pid > 0, "tessel-run: fork failed: ", std::strerror(errno));
      ::close(out[1]);
      ::close(err[1]);
      r.out = out[0];
      r.err = err[0];
    }

    int failed = -1, code = 0;
    bool signalled = false;
    auto stop_deadline = std::chrono::steady_clock::time_point::max();
    auto stop_others = [&](int sig) {
      for (auto& r : ranks)
        if (r.running) ::kill(-r.pid, sig);
    };
    for (;;) {
      // Output first: whatever the ranks wrote, a line at a time.
      std::vector<pollfd> fds;
      std::vector<std::pair<Rank*, bool>> owners;  // (rank, is stderr)
      for (auto& r : ranks) {
        if (r.out >= 0) fds.push_back({r.out, POLLIN, 0}), owners.push_back({&r, false});
        if (r.err >= 0) fds.push_back({r.err, POLLIN, 0}), owners.push_back({&r, true});
      }
      bool any_running = false;
      for (auto& r : ranks) any_running |= r.running;
      if (fds.empty() && !any_running) break;
      if (!fds.empty())
        ::poll(fds.data(), fds.size(), 100);
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      for (size_t k = 0; k < fds.size(); ++k) {
        if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        auto [r, is_err] = owners[k];
        char buf[65536];
        ssize_t n = ::read(fds[k].fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        std::string prefix = "[rank " + std::to_string(r->rank) + "] ";
        emit(is_err ? r->err_tail : r->out_tail, buf, n > 0 ? static_cast<size_t>(n) : 0, prefix,
             is_err ? stderr : stdout, n <= 0);
        if (n <= 0) {
          ::close(fds[k].fd);
          (is_err ? r->err : r->out) = -1;
        }
      }
      // Then exits: the first failure stops the rest. Ranks found dead in the same scan are
      // not ordered by time; one killed by a signal is named before one that exited with an
      // error, as the others' errors (a connection reset) usually follow from it.
      Rank* first = nullptr;
      for (auto& r : ranks) {
        if (!r.running || ::waitpid(r.pid, &r.status, WNOHANG) != r.pid) continue;
        r.running = false;
        if (exit_code(r.status) == 0 || failed >= 0 || signalled) continue;
        if (!first || (WIFSIGNALED(r.status) && !WIFSIGNALED(first->status))) first = &r;
      }
      if (first) {
        failed = first->rank;
        code = exit_code(first->status);
        std::fprintf(
            stderr, "tessel-run: rank %d %s %d; stopping the other ranks\n", first->rank,
            WIFEXITED(first->status) ? "exited with status" : "was killed by signal",
            WIFEXITED(first->status) ? WEXITSTATUS(first->status) : WTERMSIG(first->status));
        stop_others(SIGTERM);
        stop_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace);
      }
      if (g_signal != 0) {
        stop_others(signalled ? SIGKILL : int(g_signal));
        if (failed < 0) code = 128 + g_signal;
        signalled = true;
        g_signal = 0;
      }
      if (std::chrono::steady_clock::now() > stop_deadline) {
        stop_others(SIGKILL);
        stop_deadline = std::chrono::steady_clock::time_point::max();
      }
    }
    return code;
  });
}
