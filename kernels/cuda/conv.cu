// cuDNN's legacy convolution API. The algorithm of each pass is chosen once per shape, dtype and
// device from cuDNN's heuristics (the first deterministic one that supports the call) and
// cached; scratch comes from the device context's workspace.
#include <array>
#include <climits>
#include <cstdio>
#include <map>
#include <mutex>

#include "kernels/conv.h"
#include "kernels/cuda/cudnn_check.h"
#include "kernels/cuda/launch.cuh"

namespace tessel::kernels {
namespace {

// Owns one cuDNN descriptor.
template <typename D, cudnnStatus_t (*Create)(D*), cudnnStatus_t (*Destroy)(D)>
class Descriptor {
 public:
  Descriptor() { TESSEL_CUDNN_CHECK(Create(&d_)); }
  ~Descriptor() {
    if (Destroy(d_) != CUDNN_STATUS_SUCCESS)
      std::fprintf(stderr, "tessel warning: destroying a cuDNN descriptor failed\n");
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  D get() const { return d_; }

 private:
  D d_ = nullptr;
};
using TensorDesc =
    Descriptor<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using FilterDesc =
    Descriptor<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>;
using ConvDesc = Descriptor<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
                            cudnnDestroyConvolutionDescriptor>;

int as_int(int64_t v) {
  TESSEL_CHECK(v >= 0 && v <= INT_MAX, "conv2d (CUDA): size ", v, " exceeds cuDNN's int range");
  return int(v);
}

cudnnDataType_t data_type(DType t) {
  switch (t) {
    case DType::F32:
      return CUDNN_DATA_FLOAT;
    case DType::F64:
      return CUDNN_DATA_DOUBLE;
    case DType::F16:
      return CUDNN_DATA_HALF;
    case DType::BF16:
      return CUDNN_DATA_BFLOAT16;
    default:
      TESSEL_FAIL("conv2d (CUDA): dtype ", t, " is not supported");
  }
}

// Everything one call needs: the handle on the context's stream, the device, and the descriptors.
struct Call {
  int device = 0;
  cudnnHandle_t handle = nullptr;
  TensorDesc x, y;
  FilterDesc w;
  ConvDesc conv;

  Call(const ConvShape& s, DType t, const CudaContext& ctx) {
    device = ctx.device;
    handle = ctx.cudnn();
    cudnnDataType_t dt = data_type(t);
    TESSEL_CUDNN_CHECK(cudnnSetTensor4dDescriptor(x.get(), CUDNN_TENSOR_NCHW, dt, as_int(s.n),
                                                  as_int(s.c), as_int(s.h), as_int(s.w)));
    TESSEL_CUDNN_CHECK(cudnnSetTensor4dDescriptor(y.get(), CUDNN_TENSOR_NCHW, dt, as_int(s.n),
                                                  as_int(s.o), as_int(s.oh), as_int(s.ow)));
    TESSEL_CUDNN_CHECK(cudnnSetFilter4dDescriptor(w.get(), dt, CUDNN_TENSOR_NCHW, as_int(s.o),
                                                  as_int(s.c / s.groups), as_int(s.kh),
                                                  as_int(s.kw)));
    // The 16-bit types compute in f32 on tensor cores; f32 stays exact f32 (no TF32).
    bool f64 = t == DType::F64, f32 = t == DType::F32;
    TESSEL_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
        conv.get(), as_int(s.pad_h), as_int(s.pad_w), as_int(s.stride_h), as_int(s.stride_w),
        as_int(s.dil_h), as_int(s.dil_w), CUDNN_CROSS_CORRELATION,
        f64 ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT));
    TESSEL_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv.get(), as_int(s.groups)));
    TESSEL_CUDNN_CHECK(cudnnSetConvolutionMathType(
        conv.get(), f64 || f32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH));
  }
};

// cuDNN reads alpha and beta as double for double data and as float otherwise.
struct Scalar {
  double d;
  float f;
  explicit Scalar(double v) : d(v), f(float(v)) {}
  const void* get(DType t) const { return t == DType::F64 ? static_cast<const void*>(&d) : &f; }
};

enum class Pass : int64_t { Forward, BackwardData, BackwardFilter };

// Picks the algorithm of `pass` for this shape once: the first of cuDNN's heuristic ranking
// that supports the call and is deterministic, else the first that supports it.
template <typename Perf, int kCount, typename Query>
int algorithm(Pass pass, const ConvShape& s, DType t, int device, const Query& query) {
  using Key = std::array<int64_t, 19>;
  static std::mutex mutex;
  static std::map<Key, int> cache;
  Key key{int64_t(pass), int64_t(t), device,  s.n,     s.c,     s.h,        s.w,
          s.o,           s.kh,       s.kw,    s.oh,    s.ow,    s.stride_h, s.stride_w,
          s.pad_h,       s.pad_w,    s.dil_h, s.dil_w, s.groups};
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  std::array<Perf, kCount> perf{};
  int returned = 0;
  query(kCount, &returned, perf.data());
  const Perf *first = nullptr, *deterministic = nullptr;
  for (int i = 0; i < returned && !deterministic; ++i) {
    const Perf& p = perf[size_t(i)];
    if (p.status != CUDNN_STATUS_SUCCESS) continue;
    if (!first) first = &p;
    if (p.determinism == CUDNN_DETERMINISTIC) deterministic = &p;
  }
  const Perf* pick = deterministic ? deterministic : first;
  TESSEL_CHECK(pick, "conv2d (CUDA): cuDNN has no algorithm for pass ", int64_t(pass), ", input [",
               s.n, ", ", s.c, ", ", s.h, ", ", s.w, "], weight [", s.o, ", ", s.c / s.groups, ", ",
               s.kh, ", ", s.kw, "], groups ", s.groups, ", dtype ", t);
  return cache[key] = int(pick->algo);
}

// y[n, c, :, :] += bias[c] over a contiguous [n, channels, plane] tensor.
template <typename T>
__global__ void add_bias_kernel(T* out, const T* bias, int64_t channels, int64_t plane,
                                int64_t total) {
  TESSEL_GRID_STRIDE(i, total) {
    out[i] = T(acc_t<T>(out[i]) + acc_t<T>(bias[(i / plane) % channels]));
  }
}

void add_bias(DType t, void* out, const void* bias, int64_t n, int64_t channels, int64_t plane,
              const CudaContext& ctx) {
  int64_t total = n * channels * plane;
  if (!bias || total == 0) return;
  dispatch_cuda_float(t, "conv2d bias (CUDA)", [&](auto tag) {
    using T = typename decltype(tag)::type;
    add_bias_kernel<T><<<grid_for(ctx, total), kThreads, 0, ctx.stream>>>(
        static_cast<T*>(out), static_cast<const T*>(bias), channels, plane, total);
    TESSEL_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace

void conv2d_forward(const CudaContext& ctx, const ConvShape& s, DType type, void* y, const void* x,
                    const void* w, const void* bias) {
  Call c(s, type, ctx);
  auto algo = cudnnConvolutionFwdAlgo_t(
      algorithm<cudnnConvolutionFwdAlgoPerf_t, CUDNN_CONVOLUTION_FWD_ALGO_COUNT>(
          Pass::Forward, s, type, c.device, [&](int count, int* returned, auto* perf) {
            TESSEL_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
                c.handle, c.x.get(), c.w.get(), c.conv.get(), c.y.get(), count, returned, perf));
          }));
  size_t bytes = 0;
  TESSEL_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(
      c.handle, c.x.get(), c.w.get(), c.conv.get(), c.y.get(), algo, &bytes));
  void* ws = ctx.workspace(bytes);
  Scalar one(1), zero(0);
  TESSEL_CUDNN_CHECK(cudnnConvolutionForward(c.handle, one.get(type), c.x.get(), x, c.w.get(), w,
                                             c.conv.get(), algo, ws, bytes, zero.get(type),
                                             c.y.get(), y));
  add_bias(type, y, bias, s.n, s.o, s.oh * s.ow, ctx);
}

void conv2d_backward_input(const CudaContext& ctx, const ConvShape& s, DType type, void* dx,
                           const void* dy, const void* w, const void* bias) {
  Call c(s, type, ctx);
  auto algo = cudnnConvolutionBwdDataAlgo_t(
      algorithm<cudnnConvolutionBwdDataAlgoPerf_t, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT>(
          Pass::BackwardData, s, type, c.device, [&](int count, int* returned, auto* perf) {
            TESSEL_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
                c.handle, c.w.get(), c.y.get(), c.conv.get(), c.x.get(), count, returned, perf));
          }));
  size_t bytes = 0;
  TESSEL_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(
      c.handle, c.w.get(), c.y.get(), c.conv.get(), c.x.get(), algo, &bytes));
  void* ws = ctx.workspace(bytes);
  Scalar one(1), zero(0);
  TESSEL_CUDNN_CHECK(cudnnConvolutionBackwardData(c.handle, one.get(type), c.w.get(), w, c.y.get(),
                                                  dy, c.conv.get(), algo, ws, bytes, zero.get(type),
                                                  c.x.get(), dx));
  add_bias(type, dx, bias, s.n, s.c, s.h * s.w, ctx);
}

void conv2d_backward_weight(const CudaContext& ctx, const ConvShape& s, DType type, void* dw,
                            const void* dy, const void* x) {
  Call c(s, type, ctx);
  auto algo = cudnnConvolutionBwdFilterAlgo_t(
      algorithm<cudnnConvolutionBwdFilterAlgoPerf_t, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT>(
          Pass::BackwardFilter, s, type, c.device, [&](int count, int* returned, auto* perf) {
            TESSEL_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                c.handle, c.x.get(), c.y.get(), c.conv.get(), c.w.get(), count, returned, perf));
          }));
  size_t bytes = 0;
  TESSEL_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(
      c.handle, c.x.get(), c.y.get(), c.conv.get(), c.w.get(), algo, &bytes));
  void* ws = ctx.workspace(bytes);
  Scalar one(1), zero(0);
  TESSEL_CUDNN_CHECK(cudnnConvolutionBackwardFilter(c.handle, one.get(type), c.x.get(), x,
                                                    c.y.get(), dy, c.conv.get(), algo, ws, bytes,
                                                    zero.get(type), c.w.get(), dw));
}

}  // namespace tessel::kernels
