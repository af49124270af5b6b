// Data movement (engine/ops/copy.cpp): contiguous, clone, copy_, fill_, to(dtype).
#include <gtest/gtest.h>

#include "tests/engine/iota.h"
#include "tests/op_harness.h"

#include "engine/ops.h"

using namespace tessel;
using namespace tessel::testing;

TEST(Tensor, DtypeConversion) {
  Tensor x = from_vector<double>({2.7, -2.7, 0, 1}, {4}, DType::F64);
  EXPECT_EQ(x.to(DType::I32).to_vector<int32_t>(), (std::vector<int32_t>{2, -2, 0, 1}));
  EXPECT_EQ(x.to(DType::Bool).to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1, 0, 1}));
  EXPECT_EQ(x.to(DType::F64).storage(), x.storage());  // same dtype: no copy
}

TEST(Tensor, ContiguousCloneCopyFill) {
  Tensor x = iota({2, 3});
  EXPECT_EQ(x.contiguous().impl(), x.impl());
  Tensor t = x.transpose(0, 1).contiguous();
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.to_vector<double>(), (V{0, 3, 1, 4, 2, 5}));
  Tensor c = x.clone();
  EXPECT_NE(c.storage(), x.storage());
  c.fill_(1);
  EXPECT_EQ(x.to_vector<double>()[0], 0);  // the clone is independent
  Tensor d = zeros({2, 3}, DType::F32);
  d.copy_(from_vector<double>({1, 2, 3}, {3}, DType::F64));  // broadcast rows, convert dtype
  EXPECT_EQ(d.to_vector<float>(), (std::vector<float>{1, 2, 3, 1, 2, 3}));
  d.select(0, 1).fill_(9);  // through a view
  EXPECT_EQ(d.to_vector<float>(), (std::vector<float>{1, 2, 3, 9, 9, 9}));
  EXPECT_ERROR(d.copy_(zeros({2})), "copy_: shapes [2, 3] and [2] cannot be broadcast");
}

// A copy between two GPUs is ordered on both devices' streams without a host wait: values made on
// cuda:0, copied into blocks cuda:1 just freed, and used there arrive intact.
TEST(Tensor, CopyBetweenDevices_CUDA) {
  if (cuda::device_count() < 2) GTEST_SKIP() << "needs two CUDA devices";
  const Device gpu0(DeviceType::CUDA, 0), gpu1(DeviceType::CUDA, 1);
  Tensor host = iota({257, 33});
  for (int round = 0; round < 4; ++round) {
    Tensor scale = full({}, round + 1, DType::F64);
    Tensor on0 = mul(host.to(gpu0), scale.to(gpu0));
    { Tensor busy = add(on0.to(gpu1), on0.to(gpu1)); }  // frees blocks on cuda:1's stream
    Tensor back = on0.to(gpu1).to(kCPU);
    EXPECT_ALL_CLOSE(back, mul(host, scale), 0, 0);
  }
}
