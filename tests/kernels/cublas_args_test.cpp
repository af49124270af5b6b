// The row-major product's mapping onto cuBLAS's column-major gemm (kernels/common/cublas_args.h):
// the call it describes, run by a naive column-major gemm written from cuBLAS's definition, gives
// what the row-major definition of kernels/matmul.h gives, over transposed operands, padded rows
// (views into wider matrices), broadcast batches (stride 0) and beta.
#include "kernels/common/cublas_args.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace tessel::kernels {
namespace {

// cuBLAS's gemm: column-major, op(X)(i, p) = trans ? X[p + i * ld] : X[i + p * ld].
void cublas_gemm(const CublasArgs& a, double alpha, const double* first, const double* second,
                 double beta, double* c) {
  for (int b = 0; b < a.batch; ++b) {
    const double* f = first + b * a.stride_first;
    const double* s = second + b * a.stride_second;
    double* cb = c + b * a.stride_c;
    for (int i = 0; i < a.m; ++i)
      for (int j = 0; j < a.n; ++j) {
        double acc = 0;
        for (int p = 0; p < a.k; ++p) {
          double x = a.trans_first ? f[p + i * a.ld_first] : f[i + p * a.ld_first];
          double y = a.trans_second ? s[j + p * a.ld_second] : s[p + j * a.ld_second];
          acc += x * y;
        }
        double& out = cb[i + j * a.ld_c];
        out = alpha * acc + (beta == 0 ? 0 : beta * out);
      }
  }
}

// kernels/matmul.h's definition: row-major, op(X)(i, p) = trans ? X[p * ld + i] : X[i * ld + p].
void row_major_gemm(const Gemm& g, const double* a, const double* b, double* c) {
  for (int64_t t = 0; t < g.batch; ++t)
    for (int64_t i = 0; i < g.m; ++i)
      for (int64_t j = 0; j < g.n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < g.k; ++p) {
          const double* at = a + t * g.stride_a;
          const double* bt = b + t * g.stride_b;
          double x = g.trans_a ? at[p * g.lda + i] : at[i * g.lda + p];
          double y = g.trans_b ? bt[j * g.ldb + p] : bt[p * g.ldb + j];
          acc += x * y;
        }
        double& out = c[t * g.stride_c + i * g.ldc + j];
        out = g.alpha * acc + (g.beta == 0 ? 0 : g.beta * out);
      }
}

TEST(CublasArgs, ColumnMajorCallComputesTheRowMajorProduct) {
  std::mt19937 gen(3);
  auto pick = [&](int lo, int hi) { return lo + int(gen() % unsigned(hi - lo + 1)); };
  for (int trial = 0; trial < 300; ++trial) {
    Gemm g;
    g.m = pick(1, 6), g.n = pick(1, 6), g.k = pick(1, 6);
    g.trans_a = gen() % 2, g.trans_b = gen() % 2;
    // Row strides at least the stored width: wider ones are views into larger matrices.
    g.lda = (g.trans_a ? g.m : g.k) + pick(0, 3);
    g.ldb = (g.trans_b ? g.k : g.n) + pick(0, 3);
    g.ldc = g.n + pick(0, 3);
    g.batch = pick(1, 3);
    int64_t rows_a = g.trans_a ? g.k : g.m, rows_b = g.trans_b ? g.n : g.k;
    g.stride_a = gen() % 3 == 0 ? 0 : rows_a * g.lda;  // stride 0: one A broadcast over the batch
    g.stride_b = gen() % 3 == 0 ? 0 : rows_b * g.ldb;
    g.stride_c = g.m * g.ldc;
    g.alpha = pick(1, 3) * 0.5;
    g.beta = gen() % 2 ? 0.0 : 0.25;
    std::uniform_real_distribution<double> u(-1, 1);
    auto fill = [&](int64_t n) {
      std::vector<double> v(static_cast<size_t>(n));
      for (double& x : v) x = u(gen);
      return v;
    };
    std::vector<double> a = fill(g.batch * rows_a * g.lda), b = fill(g.batch * rows_b * g.ldb);
    std::vector<double> want = fill(g.batch * g.stride_c), got = want;
    row_major_gemm(g, a.data(), b.data(), want.data());
    cublas_gemm(cublas_args(g), g.alpha, b.data(), a.data(), g.beta, got.data());
    ASSERT_EQ(got, want) << "trial " << trial << ": m " << g.m << " n " << g.n << " k " << g.k
                         << " trans " << g.trans_a << g.trans_b << " batch " << g.batch;
  }
}

TEST(CublasArgs, SizesPastIntAreRefused) {
  Gemm g;
  g.m = int64_t(1) << 31, g.n = 2, g.k = 2, g.lda = 2, g.ldb = 2, g.ldc = 2;
  try {
    cublas_args(g);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("matmul (CUDA): m = 2147483648 exceeds cuBLAS's int range"),
        std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tessel::kernels
