#include "kernels/matmul.h"

#include <Eigen/Core>

namespace tessel::kernels {
namespace {

template <typename T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using ConstMap = Eigen::Map<const RowMajor<T>, 0, Eigen::OuterStride<>>;
template <typename T>
using Map = Eigen::Map<RowMajor<T>, 0, Eigen::OuterStride<>>;

// One product; `A` and `B` are the stored (untransposed) maps.
template <typename T, typename MA, typename MB>
void product(const Gemm& g, const MA& A, const MB& B, Map<T>& C) {
  T alpha = T(g.alpha);
  if (g.beta == 0) {
    C.noalias() = alpha * (A * B);
  } else {
    C *= T(g.beta);
    C.noalias() += alpha * (A * B);
  }
}

}  // namespace

// Eigen parallelises each product with OpenMP itself (and stays serial when called from inside
// a parallel region, as conv does per sample).
void matmul(const CpuContext&, const Gemm& g, DType type, const void* a, const void* b, void* c) {
  dispatch_float(type, "matmul (CPU)", [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (int64_t i = 0; i < g.batch; ++i) {
      const T* pa = static_cast<const T*>(a) + i * g.stride_a;
      const T* pb = static_cast<const T*>(b) + i * g.stride_b;
      Map<T> C(static_cast<T*>(c) + i * g.stride_c, g.m, g.n, Eigen::OuterStride<>(g.ldc));
      ConstMap<T> A(pa, g.trans_a ? g.k : g.m, g.trans_a ? g.m : g.k, Eigen::OuterStride<>(g.lda));
      ConstMap<T> B(pb, g.trans_b ? g.n : g.k, g.trans_b ? g.k : g.n, Eigen::OuterStride<>(g.ldb));
      if (g.trans_a && g.trans_b)
        product<T>(g, A.transpose(), B.transpose(), C);
      else if (g.trans_a)
        product<T>(g, A.transpose(), B, C);
      else if (g.trans_b)
        product<T>(g, A, B.transpose(), C);
      else
        product<T>(g, A, B, C);
    }
  });
}

}  // namespace tessel::kernels
