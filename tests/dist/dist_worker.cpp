// One rank of a real multi-process job, for the tests of tessel-run and the rendezvous:
//   tessel_dist_worker MODE TIMEOUT_MS
// reads its rank from the environment (dist/launch_env.h), meets the others through the store
// and runs a Gloo allreduce of (rank + 1) over 1001 elements, checking the sum. MODE "crash":
// rank 1 exits with status 5 before the collective; "sigkill": rank 1 is killed by SIGKILL
// there (nothing of it runs after). Prints "rank R of N: ok" and exits 0 when
// the sum is right; prints the error and exits 1 otherwise.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dist/process_group.h"

int main(int argc, char** argv) {
  using namespace tessel;
  if (argc != 3) {
    std::fprintf(stderr, "usage: tessel_dist_worker MODE TIMEOUT_MS\n");
    return 2;
  }
  std::string mode = argv[1];
  std::chrono::milliseconds timeout(std::atoll(argv[2]));
  try {
    dist::LaunchEnv env = dist::read_launch_env();
    auto store = dist::rendezvous(env, timeout);
    auto group = dist::new_group(store, env, kCPU, {.timeout = timeout});
    if (mode == "crash" && env.rank == 1) return 5;
    if (mode == "sigkill" && env.rank == 1) ::raise(SIGKILL);
    Tensor t = full({1001}, env.rank + 1, DType::F64);
    group->allreduce(t)->wait();
    double want = env.world_size * (env.world_size + 1) / 2.0;
    for (double v : t.to_vector<double>()) {
      if (v != want) {
        std::fprintf(stderr, "rank %d: allreduce gave %g, expected %g\n", env.rank, v, want);
        return 1;
      }
    }
    group->barrier()->wait();
    std::printf("rank %d of %d: ok\n", env.rank, env.world_size);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
