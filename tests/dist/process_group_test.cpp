#include "dist/process_group.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "core/error.h"
#include "tests/dist/ranks.h"

namespace tessel::dist {
namespace {

using std::chrono::milliseconds;
using testing::run_ranks;

// Rank r's i-th element: small integers, so every dtype holds the sums exactly.
double value(int rank, int64_t i) {
  return static_cast<double>((i * 7 + rank * 3) % 11) - 3.0;
}

Tensor filled(DType dtype, int64_t n, int rank) {
  Tensor t = empty({n}, dtype);
  dispatch_all(dtype, "test", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<T, bool>)
        p[i] = value(rank, i) > 0;
      else if constexpr (std::is_same_v<T, uint8_t>)
        p[i] = static_cast<T>(value(rank, i) + 3);
      else
        p[i] = static_cast<T>(static_cast<float>(value(rank, i)));
    }
  });
  return t;
}

// What `op` over ranks 0..n-1 gives for element i, in the dtype's own terms.
double expected(DType dtype, ReduceOp op, int n, int64_t i) {
  auto v = [&](int r) {
    double x = value(r, i);
    return dtype == DType::Bool ? (x > 0 ? 1.0 : 0.0) : dtype == DType::U8 ? x + 3 : x;
  };
  double acc = v(0);
  for (int r = 1; r < n; ++r) {
    double x = v(r);
    acc = op == ReduceOp::Max ? std::max(acc, x) : op == ReduceOp::Min ? std::min(acc, x) : acc + x;
  }
  if (dtype == DType::Bool) acc = acc > 0 ? 1.0 : 0.0;  // sum of bools is "any"
  return op == ReduceOp::Avg ? acc / n : acc;
}

TEST(ProcessGroup, AllreduceEveryDtypeAndOpOnOddSizes) {
  const DType dtypes[] = {DType::F32, DType::F64, DType::F16, DType::BF16,
                          DType::I32, DType::I64, DType::U8,  DType::Bool};
  // 300007 f32 elements are more than Gloo's 1 MiB segment: several segments per rank.
  const int64_t sizes[] = {1, 7, 1000, 300007};
  for (int n : {2, 3}) {
    run_ranks(n, [&](int rank, ProcessGroup& group) {
      EXPECT_EQ(group.rank(), rank);
      EXPECT_EQ(group.size(), n);
      EXPECT_STREQ(group.backend(), "gloo");
      for (DType dtype : dtypes) {
        for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Avg, ReduceOp::Max, ReduceOp::Min}) {
          if (op == ReduceOp::Avg && !is_floating(dtype)) continue;
          for (int64_t size : sizes) {
            Tensor t = filled(dtype, size, rank);
            group.allreduce(t, op)->wait();
            auto got = t.to(DType::F64).to_vector<double>();
            for (int64_t i = 0; i < size; ++i) {
              double want = expected(dtype, op, n, i);
              double tol =
                  dtype == DType::BF16 || dtype == DType::F16 ? 0.02 * std::abs(want) : 1e-6;
              ASSERT_NEAR(got[static_cast<size_t>(i)], want, tol)
                  << dtype << " " << reduce_op_name(op) << " size " << size << " world " << n
                  << " element " << i << " rank " << rank;
            }
          }
        }
      }
    });
  }
}

TEST(ProcessGroup, BroadcastAllgatherReduceScatterBarrier) {
  const int n = 3;
  run_ranks(n, [&](int rank, ProcessGroup& group) {
    for (int64_t size : {1, 13, 4099}) {
      // broadcast: everyone ends with the root's data.
      for (int root = 0; root < n; ++root) {
        Tensor t = filled(DType::F64, size, rank);
        group.broadcast(t, root)->wait();
        auto got = t.to_vector<double>();
        for (int64_t i = 0; i < size; ++i) ASSERT_EQ(got[static_cast<size_t>(i)], value(root, i));
      }
      // allgather: rank r's block at r * size.
      Tensor in = filled(DType::I64, size, rank), out = zeros({n * size}, DType::I64);
      group.allgather(out, in)->wait();
      auto all = out.to_vector<double>();
      for (int r = 0; r < n; ++r)
        for (int64_t i = 0; i < size; ++i)
          ASSERT_EQ(all[static_cast<size_t>(r * size + i)], value(r, i));
      // reduce_scatter: rank r gets the sum (max) of everyone's block r.
      for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max}) {
        Tensor whole = filled(DType::F32, n * size, rank), mine = empty({size}, DType::F32);
        group.reduce_scatter(mine, whole, op)->wait();
        auto got = mine.to_vector<double>();
        for (int64_t i = 0; i < size; ++i)
          ASSERT_EQ(got[static_cast<size_t>(i)], expected(DType::F32, op, n, rank * size + i));
      }
    }
    group.barrier()->wait();
  });
}

TEST(ProcessGroup, CollectivesRunInIssueOrderWhileTheCallerGoesOn) {
  run_ranks(2, [&](int rank, ProcessGroup& group) {
    std::vector<Tensor> ts;
    std::vector<WorkPtr> works;
    for (int k = 0; k < 20; ++k) {
      ts.push_back(full({257}, k + rank, DType::F32));
      works.push_back(group.allreduce(ts.back()));
    }
    for (int k = 0; k < 20; ++k) {
      works[static_cast<size_t>(k)]->wait();
      EXPECT_TRUE(works[static_cast<size_t>(k)]->completed());
      EXPECT_EQ(ts[static_cast<size_t>(k)].to_vector<float>()[256], 2 * k + 1);
    }
  });
}

TEST(ProcessGroup, BadArgumentsAreErrorsNamingThem) {
  run_ranks(2, [&](int, ProcessGroup& group) {
    auto error_of = [](auto&& fn) -> std::string {
      try {
        fn();
      } catch (const Error& e) {
        return e.what();
      }
      return "";
    };
    Tensor m = zeros({4, 6}, DType::F32);
    EXPECT_NE(error_of([&] { group.allreduce(m.transpose(0, 1)); }).find("contiguous"),
              std::string::npos);
    EXPECT_NE(error_of([&] {
                group.allreduce(zeros({3}, DType::I32), ReduceOp::Avg);
              }).find("avg of 't' needs a floating dtype"),
              std::string::npos);
    EXPECT_NE(error_of([&] { group.allgather(zeros({5}), zeros({3})); }).find("is not 2 ranks x 3"),
              std::string::npos);
    EXPECT_NE(error_of([&] { group.allgather(zeros({6}), zeros({3}, DType::F64)); }).find("dtypes"),
              std::string::npos);
    EXPECT_NE(error_of([&] { group.broadcast(zeros({3}), 2); }).find("root 2"), std::string::npos);
    EXPECT_NE(error_of([&] { group.allreduce(Tensor()); }).find("undefined"), std::string::npos);
    group.barrier()->wait();  // both ranks still agree on what ran
  });
}

TEST(ProcessGroup, RendezvousTimeoutNamesTheMissingRanks) {
  auto server = std::make_shared<TcpStore>("127.0.0.1", 0, true, milliseconds(2000));
  TcpStore one("127.0.0.1", server->port(), false, milliseconds(2000));
  one.set("rendezvous/rank/1", {'x'});
  try {
    wait_for_all_ranks(*server, 0, 4, milliseconds(300));
    FAIL() << "the rendezvous of 4 ranks completed with 2";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ranks 2, 3 of 4 never reached the rendezvous"),
              std::string::npos)
        << e.what();
  }
}

TEST(ProcessGroup, ADeadRankIsAnErrorNotAHang) {
  auto start = Clock::now();
  std::atomic<bool> peer_gone{false};
  EXPECT_THROW(run_ranks(
                   2,
                   [&](int rank, ProcessGroup& group) {
                     if (rank == 1) {
                       peer_gone = true;
                       return;  // exits: its group and connections close
                     }
                     while (!peer_gone) std::this_thread::yield();
                     std::this_thread::sleep_for(milliseconds(200));
                     Tensor t = ones({100});
                     try {
                       group.allreduce(t)->wait();
                     } catch (const Error& e) {
                       EXPECT_NE(std::string(e.what()).find("allreduce on rank 0 of 2 failed"),
                                 std::string::npos)
                           << e.what();
                       // The group is unusable after it: later collectives fail at once.
                       EXPECT_THROW(group.allreduce(t), Error);
                       throw;
                     }
                   },
                   milliseconds(10'000)),
               Error);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(8)) << "the survivor waited for the timeout";
}

TEST(ProcessGroup, AHungRankFailsTheOthersWithinTheTimeout) {
  auto start = Clock::now();
  std::atomic<bool> done{false};
  EXPECT_THROW(run_ranks(
                   2,
                   [&](int rank, ProcessGroup& group) {
                     if (rank == 1) {  // alive, connected, but never joins the collective
                       while (!done) std::this_thread::sleep_for(milliseconds(10));
                       return;
                     }
                     Tensor t = ones({100});
                     try {
                       group.allreduce(t)->wait();
                     } catch (...) {
                       done = true;
                       throw;
                     }
                     done = true;
                   },
                   milliseconds(700)),
               Error);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace tessel::dist
