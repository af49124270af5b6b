// Allreduce bandwidth of a process group, as nccl-tests reports it: for S bytes in time t,
// algbw = S / t and busbw = algbw * 2 (n - 1) / n (what each link carries in a ring, comparable
// across world sizes and against the hardware's bandwidth).
//   allreduce_bench [--device cpu|cuda] [--ranks N] [--max-mb M]
// Under tessel-run (RANK set) each process is one rank; otherwise the program runs --ranks ranks
// (default 2) as threads over 127.0.0.1. CPU: Gloo; CUDA: NCCL (one GPU per rank). Rank 0 prints
// one row per size: median time of 20 (5 above 16 MB) after 3 warm-ups, all ranks released
// together by a barrier before each timed call.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "dist/process_group.h"
#include "engine/cuda/context.h"
#include "engine/ops.h"

namespace {

using namespace tessel;
using Clock = std::chrono::steady_clock;

void run_rank(dist::ProcessGroup& group, Device device, int64_t max_bytes) {
  const int n = group.size();
  if (group.rank() == 0)
    std::printf("# allreduce, %s, %d ranks, f32 sum\n%12s %12s %10s %10s %10s\n", group.backend(),
                n, "bytes", "elements", "time_us", "algbw_GB/s", "busbw_GB/s");
  for (int64_t bytes = 4096; bytes <= max_bytes; bytes *= 4) {
    Tensor t = full({bytes / 4}, 1.0, {DType::F32, device});
    const int iters = bytes > (16 << 20) ? 5 : 20;
    std::vector<double> seconds;
    for (int i = 0; i < 3 + iters; ++i) {
      group.barrier()->wait();
      auto start = Clock::now();
      group.allreduce(t)->wait();
      if (device.is_cuda()) cuda::synchronize(device.index);
      if (i >= 3) seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    }
    std::nth_element(seconds.begin(), seconds.begin() + iters / 2, seconds.end());
    const double s = seconds[size_t(iters / 2)], algbw = double(bytes) / s / 1e9;
    if (group.rank() == 0)
      std::printf("%12lld %12lld %10.1f %10.3f %10.3f\n", (long long)bytes, (long long)bytes / 4,
                  s * 1e6, algbw, algbw * 2.0 * (n - 1) / n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string device_name = "cpu";
  int ranks = 2;
  int64_t max_mb = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--device")
      device_name = argv[i + 1];
    else if (flag == "--ranks")
      ranks = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--max-mb")
      max_mb = std::max<int64_t>(1, std::atoll(argv[i + 1]));
    else {
      std::fprintf(stderr, "usage: allreduce_bench [--device cpu|cuda] [--ranks N] [--max-mb M]\n");
      return 2;
    }
  }
  try {
    const std::chrono::milliseconds timeout(120'000);
    dist::LaunchEnv env = dist::read_launch_env();
    auto device_for = [&](int rank) {
      return device_name == "cuda" ? cuda_device(rank % std::max(1, cuda::device_count())) : kCPU;
    };
    if (env.distributed()) {  // one process per rank (tessel-run)
      auto store = dist::rendezvous(env, timeout);
      auto group = dist::new_group(store, env, device_for(env.local_rank), {.timeout = timeout});
      run_rank(*group, device_for(env.local_rank), max_mb << 20);
      return 0;
    }
    auto server = std::make_shared<dist::TcpStore>("127.0.0.1", 0, true, timeout);
    std::vector<std::thread> threads;
    for (int r = 0; r < ranks; ++r)
      threads.emplace_back([&, r] {
        auto store =
            r == 0 ? server
                   : std::make_shared<dist::TcpStore>("127.0.0.1", server->port(), false, timeout);
        dist::LaunchEnv me;
        me.rank = r;
        me.world_size = ranks;
        auto group = dist::new_group(store, me, device_for(r), {.timeout = timeout});
        run_rank(*group, device_for(r), max_mb << 20);
      });
    for (auto& t : threads) t.join();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "allreduce_bench: %s\n", e.what());
    return 1;
  }
}
