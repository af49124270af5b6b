// Who this process is in a multi-process job, read from what the launcher set: torchrun's and
// tessel-run's RANK / WORLD_SIZE / LOCAL_RANK / LOCAL_WORLD_SIZE / MASTER_ADDR / MASTER_PORT,
// OpenMPI's OMPI_COMM_WORLD_*, or Slurm's SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID (rank 0's
// host is the first of the job's node list). MASTER_ADDR and MASTER_PORT override what mpirun and
// srun imply. A value that does not parse or contradicts another is an error naming the variable.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace tessel::dist {

inline constexpr uint16_t kDefaultMasterPort = 29500;  // torchrun's

struct LaunchEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = 1;
  std::string master_addr = "127.0.0.1";
  uint16_t master_port = kDefaultMasterPort;
  std::string launcher = "none";  // "torchrun" (also tessel-run), "mpirun", "srun" or "none"

  bool distributed() const { return world_size > 1; }
};

// The variable's value, or nullptr when unset (std::getenv by default; tests pass a map).
using EnvLookup = std::function<const char*(const char*)>;
LaunchEnv read_launch_env(const EnvLookup& env);
LaunchEnv read_launch_env();

// The first host of a Slurm node list: "gpu[03-05,09],cpu1" -> "gpu03".
std::string first_slurm_host(const std::string& nodelist);

}  // namespace tessel::dist
