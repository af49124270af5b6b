#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "engine/ops.h"

using namespace tessel;

TEST(Random, SameSeedSameNumbers) {
  Generator a(42), b(42), c(43);
  std::vector<float> x = rand({100}, {}, &a).to_vector<float>();
  EXPECT_EQ(x, rand({100}, {}, &b).to_vector<float>());
  EXPECT_NE(x, rand({100}, {}, &c).to_vector<float>());
  EXPECT_NE(x, rand({100}, {}, &a).to_vector<float>());  // successive draws differ
  manual_seed(7);
  std::vector<float> n1 = randn({50}).to_vector<float>();
  manual_seed(7);
  EXPECT_EQ(n1, randn({50}).to_vector<float>());
}

TEST(Random, UniformAndNormalMoments) {
  Generator g(1);
  std::vector<double> u = rand({100000}, DType::F64, &g).to_vector<double>();
  double mean = 0;
  for (double v : u) {
    ASSERT_GE(v, 0.0);
    ASSERT_LT(v, 1.0);
    mean += v;
  }
  EXPECT_NEAR(mean / double(u.size()), 0.5, 0.01);
  std::vector<double> n = randn({100000}, DType::F64, &g).to_vector<double>();
  double m = 0, sq = 0;
  for (double v : n) m += v, sq += v * v;
  m /= double(n.size());
  EXPECT_NEAR(m, 0.0, 0.02);
  EXPECT_NEAR(std::sqrt(sq / double(n.size()) - m * m), 1.0, 0.02);
}

TEST(Random, RandintRange) {
  Generator g(2);
  Tensor r = randint(-3, 4, {2000}, DType::I64, &g);
  EXPECT_EQ(r.dtype(), DType::I64);
  std::vector<int64_t> v = r.to_vector<int64_t>();
  std::set<int64_t> seen(v.begin(), v.end());
  EXPECT_EQ(seen, (std::set<int64_t>{-3, -2, -1, 0, 1, 2, 3}));
  try {
    randint(5, 5, {1});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("randint: high (5) must be greater than low (5)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(rand({2}, DType::I32), Error);
}

TEST(Random, CpuAndCudaDrawsMatch_CUDA) {
  Generator a(9), b(9);
  EXPECT_EQ(rand({1001}, {}, &a).to_vector<float>(),
            rand({1001}, {DType::F32, cuda_device()}, &b).to_vector<float>());
  EXPECT_EQ(randint(0, 1000, {513}, DType::I64, &a).to_vector<int64_t>(),
            randint(0, 1000, {513}, {DType::I64, cuda_device()}, &b).to_vector<int64_t>());
  std::vector<float> cpu = randn({777}, {}, &a).to_vector<float>();
  std::vector<float> gpu = randn({777}, {DType::F32, cuda_device()}, &b).to_vector<float>();
  ASSERT_EQ(cpu.size(), gpu.size());
  for (size_t i = 0; i < cpu.size(); ++i) EXPECT_NEAR(cpu[i], gpu[i], 1e-5) << i;  // libm vs device
}
