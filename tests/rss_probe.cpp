// tessel_rss_probe LOG PROGRAM [ARGS...]: runs PROGRAM with its stdout and stderr in LOG, waits
// for it with wait4() and prints "exit N maxrss_kb K" or "signal N maxrss_kb K".
//
// The tests run tools through this rather than forking themselves: a forked child starts with a
// copy of the parent's resident pages (and vfork/posix_spawn hand it the parent's high-water
// mark at exec), so its ru_maxrss would be the test binary's size, not the tool's. This process
// is small, so its child's ru_maxrss is the tool's own peak.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tessel_rss_probe LOG PROGRAM [ARGS...]\n");
    return 2;
  }
  const pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    const int log = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0) _exit(127);
    execv(argv[2], argv + 2);
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid) return 2;
  if (WIFSIGNALED(status))
    std::printf("signal %d maxrss_kb %ld\n", WTERMSIG(status), usage.ru_maxrss);
  else
    std::printf("exit %d maxrss_kb %ld\n", WEXITSTATUS(status), usage.ru_maxrss);
  return 0;
}
