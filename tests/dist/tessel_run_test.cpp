// tessel-run as users run it: a real launcher starting real ranks.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>

#include "tests/data/temp_dir.h"
#include "tests/train/tool_run.h"

namespace tessel::dist {
namespace {

using tessel::testing::run_tool;
using Clock = std::chrono::steady_clock;

TEST(TesselRun, StartsRanksWithTheirEnvironmentAndPrefixesTheirOutput) {
  tessel::testing::TempDir dir;
  auto run = run_tool(dir, "tessel-run",
                      "--nproc-per-node 3 -- sh -c "
                      "'echo \"$RANK/$WORLD_SIZE/$LOCAL_RANK/$LOCAL_WORLD_SIZE $MASTER_ADDR\"; "
                      "echo to-stderr >&2; printf unterminated'");
  EXPECT_EQ(run.code, 0) << run.output;
  for (int r = 0; r < 3; ++r) {
    std::string p = "[rank " + std::to_string(r) + "] ";
    EXPECT_NE(run.output.find(p + std::to_string(r) + "/3/" + std::to_string(r) + "/3 127.0.0.1\n"),
              std::string::npos)
        << run.output;
    EXPECT_NE(run.output.find(p + "to-stderr\n"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find(p + "unterminated\n"), std::string::npos) << run.output;
  }
  // Several nodes: ranks numbered from this node's first.
  run = run_tool(dir, "tessel-run",
                 "--nproc-per-node 2 --nnodes 3 --node-rank 2 --master-port 29999 -- sh -c "
                 "'echo \"$RANK/$WORLD_SIZE/$LOCAL_RANK $MASTER_PORT\"'");
  EXPECT_EQ(run.code, 0) << run.output;
  EXPECT_NE(run.output.find("[rank 5] 5/6/1 29999"), std::string::npos) << run.output;
}

TEST(TesselRun, AFailingRankStopsTheOthersAndGivesItsStatus) {
  tessel::testing::TempDir dir;
  auto start = Clock::now();
  auto run = run_tool(dir, "tessel-run",
                      "--nproc-per-node 3 --grace 1 -- sh -c "
                      "'if [ \"$RANK\" = 1 ]; then exit 3; fi; sleep 60'");
  EXPECT_EQ(run.code, 3) << run.output;
  EXPECT_NE(run.output.find("rank 1 exited with status 3; stopping the other ranks"),
            std::string::npos)
      << run.output;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(20));
  // A rank that ignores SIGTERM is killed after the grace period.
  start = Clock::now();
  run = run_tool(dir, "tessel-run",
                 "--nproc-per-node 2 --grace 1 -- sh -c "
                 "'trap \"\" TERM; if [ \"$RANK\" = 0 ]; then exit 4; fi; sleep 60'");
  EXPECT_EQ(run.code, 4) << run.output;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(20));
}

TEST(TesselRun, RealRanksMeetAndReduce) {
  tessel::testing::TempDir dir;
  auto run =
      run_tool(dir, "tessel-run",
               std::string("--nproc-per-node 3 -- ") + TESSEL_DIST_WORKER + " allreduce 20000");
  EXPECT_EQ(run.code, 0) << run.output;
  for (int r = 0; r < 3; ++r)
    EXPECT_NE(
        run.output.find("[rank " + std::to_string(r) + "] rank " + std::to_string(r) + " of 3: ok"),
        std::string::npos)
        << run.output;
  // A rank that dies after the rendezvous: the job fails at once, not after the 20 s timeout.
  // Rank 0 sees the broken connection and fails too, within the same moment, so the status is
  // whichever tessel-run reaps first (AFailingRankStopsTheOthersAndGivesItsStatus pins it down).
  auto start = Clock::now();
  run = run_tool(
      dir, "tessel-run",
      std::string("--nproc-per-node 2 --grace 2 -- ") + TESSEL_DIST_WORKER + " crash 20000");
  EXPECT_TRUE(run.code == 5 || run.code == 1) << run.output;
  EXPECT_NE(run.output.find("stopping the other ranks"), std::string::npos) << run.output;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(15));
}

TEST(TesselRun, ARankKilledBySigkillEndsTheJobNamingIt) {
  tessel::testing::TempDir dir;
  auto start = Clock::now();
  // Rank 0 waits in an allreduce (20 s timeout) for a rank that is gone.
  auto run = run_tool(
      dir, "tessel-run",
      std::string("--nproc-per-node 2 --grace 2 -- ") + TESSEL_DIST_WORKER + " sigkill 20000");
  EXPECT_NE(run.code, 0) << run.output;
  EXPECT_NE(run.output.find("rank 1 was killed by signal 9"), std::string::npos) << run.output;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(15));
  // Without the launcher (srun, mpirun), the survivor fails on its own, well within the timeout.
  start = Clock::now();
  run =
      run_tool(dir, "tessel-run",
               std::string("--nproc-per-node 1 -- sh -c 'RANK=0 WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 ") +
                   TESSEL_DIST_WORKER +
                   " sigkill 20000 & RANK=1 WORLD_SIZE=2 LOCAL_RANK=1 LOCAL_WORLD_SIZE=2 " +
                   TESSEL_DIST_WORKER + " sigkill 20000; wait'");
  EXPECT_NE(run.output.find("dist allreduce on rank 0 of 2 failed"), std::string::npos)
      << run.output;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(15));
}

TEST(TesselRun, ARankThatNeverStartsIsNamed) {
  tessel::testing::TempDir dir;
  // Rank 0 of 3 alone: the rendezvous gives up and names ranks 1 and 2.
  auto run =
      run_tool(dir, "tessel-run",
               std::string("--nproc-per-node 1 -- env RANK=0 WORLD_SIZE=3 LOCAL_WORLD_SIZE=1 ") +
                   TESSEL_DIST_WORKER + " allreduce 500");
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_NE(run.output.find("ranks 1, 2 of 3 never reached the rendezvous"), std::string::npos)
      << run.output;
}

TEST(TesselRun, SignalsReachEveryRankWhichMayFinishItsWork) {
  tessel::testing::TempDir dir;
  // SIGTERM to tessel-run once both ranks have set their trap (a fixed delay races a loaded
  // machine): each rank traps it, finishes and exits 0; tessel-run says 128 + SIGTERM.
  const std::string log = dir.path("signal.log");
  const std::string command =
      std::string(TESSEL_TOOLS_DIR) +
      "/tessel-run --nproc-per-node 2 -- sh -c "
      "'trap \"sleep 0.5; echo finished; exit 0\" TERM; echo ready; sleep 30 & wait' > " +
      log + " 2>&1 & pid=$!; for i in $(seq 300); do [ $(grep -c ready " + log +
      ") -ge 2 ] && break; sleep 0.1; done; kill -TERM $pid; wait $pid";
  int status = std::system(command.c_str());
  std::ifstream in(log);
  std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGTERM) << output;
  EXPECT_NE(output.find("[rank 0] finished"), std::string::npos) << output;
  EXPECT_NE(output.find("[rank 1] finished"), std::string::npos) << output;
}

TEST(TesselRun, BadCommandLines) {
  tessel::testing::TempDir dir;
  auto run = run_tool(dir, "tessel-run", "--nproc-per-node 2 -- /nonexistent/program");
  EXPECT_EQ(run.code, 127) << run.output;
  EXPECT_NE(run.output.find("cannot run '/nonexistent/program'"), std::string::npos) << run.output;
  EXPECT_EQ(run_tool(dir, "tessel-run", "--nproc-per-node 2").code, 2);
  EXPECT_EQ(run_tool(dir, "tessel-run", "--nproc-per-node 0 -- true").code, 2);
  run = run_tool(dir, "tessel-run", "--nnodes 2 --node-rank 2 --master-port 5 -- true");
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.output.find("--node-rank 2 is not below --nnodes 2"), std::string::npos)
      << run.output;
  run = run_tool(dir, "tessel-run", "--nnodes 2 -- true");
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.output.find("--master-port is required"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace tessel::dist
