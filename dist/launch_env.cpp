#include "dist/launch_env.h"

#include <charconv>
#include <cstdlib>

#include "core/error.h"

namespace tessel::dist {
namespace {

// The variable as an integer in [lo, hi]; `fallback` when unset.
int64_t read_int(const EnvLookup& env, const char* name, int64_t lo, int64_t hi, int64_t fallback) {
  const char* v = env(name);
  if (!v) return fallback;
  int64_t x = 0;
  const char* end = v + std::char_traits<char>::length(v);
  auto [p, ec] = std::from_chars(v, end, x);
  TESSEL_CHECK(ec == std::errc() && p == end && p != v && x >= lo && x <= hi, "dist: ", name, "='",
               v, "' is not an integer in [", lo, ", ", hi, "]");
  return x;
}

// Slurm's tasks-per-node list "4(x2),3": this job's first count, the common uniform case.
int64_t slurm_tasks_per_node(const EnvLookup& env) {
  if (env("SLURM_NTASKS_PER_NODE")) return read_int(env, "SLURM_NTASKS_PER_NODE", 1, 1 << 20, 1);
  const char* v = env("SLURM_TASKS_PER_NODE");
  if (!v) return 1;
  int64_t x = 0;
  const char* end = v + std::char_traits<char>::length(v);
  auto [p, ec] = std::from_chars(v, end, x);
  TESSEL_CHECK(ec == std::errc() && p != v && x >= 1, "dist: SLURM_TASKS_PER_NODE='", v,
               "' does not start with a task count");
  return x;
}

}  // namespace

std::string first_slurm_host(const std::string& list) {
  std::string host;
  for (size_t i = 0; i < list.size() && list[i] != ','; ++i) {
    if (list[i] != '[') {
      host += list[i];
      continue;
    }
    // A range group: its first number, then on after the closing bracket.
    size_t close = list.find(']', i);
    TESSEL_CHECK(close != std::string::npos, "dist: Slurm node list '", list,
                 "' has an unclosed '['");
    size_t j = i + 1;
    while (j < close && list[j] != ',' && list[j] != '-') host += list[j++];
    i = close;
  }
  TESSEL_CHECK(!host.empty(), "dist: Slurm node list '", list, "' names no host");
  return host;
}

LaunchEnv read_launch_env(const EnvLookup& env) {
  LaunchEnv e;
  constexpr int64_t kMaxRanks = 1 << 20;
  if (env("RANK") || env("WORLD_SIZE")) {
    TESSEL_CHECK(env("RANK") && env("WORLD_SIZE"),
                 "dist: RANK and WORLD_SIZE must be set together");
    e.launcher = "torchrun";
    e.world_size = static_cast<int>(read_int(env, "WORLD_SIZE", 1, kMaxRanks, 1));
    e.rank = static_cast<int>(read_int(env, "RANK", 0, kMaxRanks, 0));
    e.local_world_size =
        static_cast<int>(read_int(env, "LOCAL_WORLD_SIZE", 1, kMaxRanks, e.world_size));
    e.local_rank = static_cast<int>(read_int(env, "LOCAL_RANK", 0, kMaxRanks, e.rank));
  } else if (env("OMPI_COMM_WORLD_RANK")) {
    e.launcher = "mpirun";
    e.world_size = static_cast<int>(read_int(env, "OMPI_COMM_WORLD_SIZE", 1, kMaxRanks, 1));
    e.rank = static_cast<int>(read_int(env, "OMPI_COMM_WORLD_RANK", 0, kMaxRanks, 0));
    e.local_world_size =
        static_cast<int>(read_int(env, "OMPI_COMM_WORLD_LOCAL_SIZE", 1, kMaxRanks, e.world_size));
    e.local_rank = static_cast<int>(read_int(env, "OMPI_COMM_WORLD_LOCAL_RANK", 0, kMaxRanks, 0));
    // mpirun does not say where rank 0 runs; on one node it is here.
    TESSEL_CHECK(env("MASTER_ADDR") || e.local_world_size == e.world_size,
                 "dist: launched by mpirun across nodes: set MASTER_ADDR to rank 0's host "
                 "(e.g. mpirun -x MASTER_ADDR=$(hostname) ...)");
  } else if (env("SLURM_PROCID") && env("SLURM_NTASKS")) {
    e.launcher = "srun";
    e.world_size = static_cast<int>(read_int(env, "SLURM_NTASKS", 1, kMaxRanks, 1));
    e.rank = static_cast<int>(read_int(env, "SLURM_PROCID", 0, kMaxRanks, 0));
    e.local_rank = static_cast<int>(read_int(env, "SLURM_LOCALID", 0, kMaxRanks, 0));
    e.local_world_size = static_cast<int>(slurm_tasks_per_node(env));
    const char* nodes =
        env("SLURM_JOB_NODELIST") ? env("SLURM_JOB_NODELIST") : env("SLURM_NODELIST");
    if (nodes) e.master_addr = first_slurm_host(nodes);
  }
  if (const char* addr = env("MASTER_ADDR")) {
    TESSEL_CHECK(*addr, "dist: MASTER_ADDR is set but empty");
    e.master_addr = addr;
  }
  e.master_port = static_cast<uint16_t>(read_int(env, "MASTER_PORT", 1, 65535, kDefaultMasterPort));
  TESSEL_CHECK(e.rank < e.world_size, "dist: rank ", e.rank, " is outside a world of ",
               e.world_size, " (", e.launcher, "'s variables)");
  TESSEL_CHECK(e.local_rank < e.local_world_size && e.local_world_size <= e.world_size,
               "dist: local rank ", e.local_rank, " of ", e.local_world_size,
               " local ranks does not fit a world of ", e.world_size, " (", e.launcher,
               "'s variables)");
  return e;
}

LaunchEnv read_launch_env() {
  return read_launch_env([](const char* name) { return std::getenv(name); });
}

}  // namespace tessel::dist
