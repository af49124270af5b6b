// The NCCL backend: one GPU as a world of one, and two GPUs as two ranks (threads) where the
// machine has them. CUDA only: these are filtered out without a device.
#include <gtest/gtest.h>

#include <thread>

#include "core/error.h"
#include "dist/process_group.h"
#include "engine/ops.h"
#include "tests/op_harness.h"

namespace tessel::dist {
namespace {

using std::chrono::milliseconds;

// The same checks on every rank of a group on `device`.
void exercise(ProcessGroup& group, Device device) {
  const int n = group.size(), r = group.rank();
  EXPECT_STREQ(group.backend(), "nccl");
  for (DType dtype : {DType::F32, DType::BF16, DType::I64}) {
    Tensor t = full({1001}, r + 1, {dtype, device});
    group.allreduce(t)->wait();
    EXPECT_ALL_CLOSE(t.to(kCPU), full({1001}, n * (n + 1) / 2.0, dtype), 0, 0) << dtype;
  }
  Tensor avg = full({7}, 2.0 * (r + 1), {DType::F32, device});
  group.allreduce(avg, ReduceOp::Avg)->wait();
  EXPECT_ALL_CLOSE(avg.to(kCPU), full({7}, n + 1.0), 1e-6, 0);
  Tensor b = full({13}, r, {DType::F64, device});
  group.broadcast(b, n - 1)->wait();
  EXPECT_ALL_CLOSE(b.to(kCPU), full({13}, n - 1.0, DType::F64), 0, 0);
  Tensor in = full({5}, r, {DType::F32, device}), out = zeros({5 * n}, {DType::F32, device});
  group.allgather(out, in)->wait();
  std::vector<float> all = out.to(kCPU).to_vector<float>();
  for (int k = 0; k < 5 * n; ++k) EXPECT_EQ(all[size_t(k)], k / 5);
  Tensor whole = full({3 * n}, 1.0, {DType::F32, device}), mine = empty({3}, {DType::F32, device});
  group.reduce_scatter(mine, whole)->wait();
  EXPECT_ALL_CLOSE(mine.to(kCPU), full({3}, double(n)), 0, 0);
  group.barrier()->wait();
  EXPECT_ERROR(group.allreduce(zeros({3})), "this nccl group works on");  // a CPU tensor
}

TEST(NcclGroup, WorldOfOne_CUDA) {
  auto store = std::make_shared<TcpStore>("127.0.0.1", 0, true, milliseconds(20'000));
  LaunchEnv env;
  auto group = new_group(store, env, cuda_device(0));
  exercise(*group, cuda_device(0));
}

TEST(NcclGroup, TwoGpusTwoRanks_CUDA) {
  if (cuda::device_count() < 2) GTEST_SKIP() << "needs two GPUs";
  auto server = std::make_shared<TcpStore>("127.0.0.1", 0, true, milliseconds(20'000));
  std::vector<std::thread> ranks;
  std::vector<std::exception_ptr> errors(2);
  for (int r = 0; r < 2; ++r)
    ranks.emplace_back([&, r] {
      try {
        auto store = r == 0 ? server
                            : std::make_shared<TcpStore>("127.0.0.1", server->port(), false,
                                                         milliseconds(20'000));
        LaunchEnv env;
        env.rank = r;
        env.world_size = 2;
        auto group = new_group(store, env, cuda_device(r));
        exercise(*group, cuda_device(r));
      } catch (...) {
        errors[size_t(r)] = std::current_exception();
      }
    });
  for (auto& t : ranks) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace
}  // namespace tessel::dist
