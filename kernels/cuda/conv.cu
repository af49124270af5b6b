// cuDNN's legacy convolution API. The algorithms each pass may run are chosen once per shape,
// dtype, device and TF32 setting from cuDNN's heuristics by kernels/common/cudnn_conv.h's rules
// (supported, deterministic, f32 exact unless TF32 is allowed) and cached; a call runs the first
// whose workspace can be had, with the math type it was chosen with. Scratch comes from the
// device context's workspace.
#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/common/cudnn_conv.h"
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
  bool tf32 = false;

  Call(const ConvShape& s, DType t, const CudaContext& ctx) : tf32(ctx.conv_tf32()) {
    device = ctx.device;
    handle = ctx.cudnn();
    cudnnDataType_t dt = data_type(t);
    const CudnnConvParams p = cudnn_conv_params(s);
    TESSEL_CUDNN_CHECK(
        cudnnSetTensor4dDescriptor(x.get(), CUDNN_TENSOR_NCHW, dt, p.x[0], p.x[1], p.x[2], p.x[3]));
    TESSEL_CUDNN_CHECK(
        cudnnSetTensor4dDescriptor(y.get(), CUDNN_TENSOR_NCHW, dt, p.y[0], p.y[1], p.y[2], p.y[3]));
    TESSEL_CUDNN_CHECK(
        cudnnSetFilter4dDescriptor(w.get(), dt, CUDNN_TENSOR_NCHW, p.w[0], p.w[1], p.w[2], p.w[3]));
    // The math type the heuristics rank for: the 16-bit types compute in f32 on tensor cores;
    // f32 stays exact f32 unless TF32 is allowed.
    bool f64 = t == DType::F64, exact = f64 || (t == DType::F32 && !tf32);
    TESSEL_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
        conv.get(), p.pad[0], p.pad[1], p.stride[0], p.stride[1], p.dilation[0], p.dilation[1],
        CUDNN_CROSS_CORRELATION, f64 ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT));
    TESSEL_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv.get(), p.groups));
    TESSEL_CUDNN_CHECK(
        cudnnSetConvolutionMathType(conv.get(), exact ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH));
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

ConvMath math_of(cudnnMathType_t m) {
  switch (m) {
    case CUDNN_TENSOR_OP_MATH:
      return ConvMath::TensorOp;
    case CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION:
      return ConvMath::TensorOpAllowConversion;
    case CUDNN_FMA_MATH:
      return ConvMath::Fma;
    default:
      return ConvMath::Default;
  }
}

cudnnMathType_t cudnn_math(ConvMath m) {
  switch (m) {
    case ConvMath::TensorOp:
      return CUDNN_TENSOR_OP_MATH;
    case ConvMath::TensorOpAllowConversion:
      return CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
    case ConvMath::Fma:
      return CUDNN_FMA_MATH;
    default:
      return CUDNN_DEFAULT_MATH;
  }
}

std::string describe(Pass pass, const ConvShape& s, DType t) {
  static const char* const names[] = {"forward", "backward data", "backward filter"};
  std::ostringstream o;
  o << names[int64_t(pass)] << " pass, input [" << s.n << ", " << s.c << ", " << s.h << ", " << s.w
    << "], weight [" << s.o << ", " << s.c / s.groups << ", " << s.kh << ", " << s.kw
    << "], stride " << s.stride_h << "x" << s.stride_w << ", padding " << s.pad_h << "x" << s.pad_w
    << ", dilation " << s.dil_h << "x" << s.dil_w << ", groups " << s.groups << ", dtype "
    << dtype_name(t);
  return o.str();
}

// The algorithms `pass` may run for this call, best first, chosen once per key.
template <typename Perf, int kCount, typename Query>
const std::vector<ConvAlgoCandidate>& algorithms(Pass pass, const ConvShape& s, DType t,
                                                 const Call& c, const Query& query) {
  using Key = std::array<int64_t, 20>;
  static std::mutex mutex;
  static std::map<Key, std::vector<ConvAlgoCandidate>> cache;
  Key key{int64_t(pass), int64_t(t), c.device, s.n,     s.c,      s.h,        s.w,
          s.o,           s.kh,       s.kw,     s.oh,    s.ow,     s.stride_h, s.stride_w,
          s.pad_h,       s.pad_w,    s.dil_h,  s.dil_w, s.groups, c.tf32};
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  std::array<Perf, kCount> perf{};
  int returned = 0;
  query(kCount, &returned, perf.data());
  std::vector<ConvAlgoCandidate> ranked;
  for (int i = 0; i < returned; ++i) {
    const Perf& p = perf[size_t(i)];
    ranked.push_back({int(p.algo), p.status == CUDNN_STATUS_SUCCESS,
                      p.determinism == CUDNN_DETERMINISTIC, math_of(p.mathType), p.memory});
  }
  std::vector<ConvAlgoCandidate> usable =
      usable_conv_algorithms(ranked, {.f32 = t == DType::F32, .allow_tf32 = c.tf32});
  TESSEL_CHECK(!usable.empty(), "conv2d (CUDA): cuDNN offers no deterministic algorithm for the ",
               describe(pass, s, t), " (", returned, " ranked, ",
               std::count_if(ranked.begin(), ranked.end(), [](auto& r) { return r.supported; }),
               " supported)");
  return cache[key] = std::move(usable);
}

// Runs `pass` with the first usable algorithm whose workspace can be had: run(algo, workspace,
// bytes) returns cuDNN's status. An algorithm cuDNN turns down at run time (not supported,
// allocation failed) also hands over to the next.
template <typename Algo, typename Run>
void run_first(Pass pass, const ConvShape& s, DType t, const CudaContext& ctx, const Call& c,
               const std::vector<ConvAlgoCandidate>& usable, const Run& run) {
  std::string skipped;
  for (const ConvAlgoCandidate& a : usable) {
    void* ws = nullptr;
    try {
      ws = ctx.workspace(a.workspace);
    } catch (const Error& e) {
      skipped += "\n  algorithm " + std::to_string(a.algo) + ": its " +
                 std::to_string(a.workspace) + " B workspace: " + e.what();
      continue;
    }
    TESSEL_CUDNN_CHECK(cudnnSetConvolutionMathType(c.conv.get(), cudnn_math(a.math)));
    cudnnStatus_t status = run(Algo(a.algo), ws, a.workspace);
    if (status == CUDNN_STATUS_SUCCESS) return;
    if (status != CUDNN_STATUS_NOT_SUPPORTED && status != CUDNN_STATUS_ALLOC_FAILED)
      TESSEL_CUDNN_CHECK(status);
    skipped += "\n  algorithm " + std::to_string(a.algo) + ": " + cudnnGetErrorString(status);
  }
  TESSEL_FAIL("conv2d (CUDA): no deterministic cuDNN algorithm could run the ",
              describe(pass, s, t), ":", skipped);
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
  const auto& usable = algorithms<cudnnConvolutionFwdAlgoPerf_t, CUDNN_CONVOLUTION_FWD_ALGO_COUNT>(
      Pass::Forward, s, type, c, [&](int count, int* returned, auto* perf) {
        TESSEL_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
            c.handle, c.x.get(), c.w.get(), c.conv.get(), c.y.get(), count, returned, perf));
      });
  Scalar one(1), zero(0);
  run_first<cudnnConvolutionFwdAlgo_t>(
      Pass::Forward, s, type, ctx, c, usable, [&](auto algo, void* ws, size_t bytes) {
        return cudnnConvolutionForward(c.handle, one.get(type), c.x.get(), x, c.w.get(), w,
                                       c.conv.get(), algo, ws, bytes, zero.get(type), c.y.get(), y);
      });
  add_bias(type, y, bias, s.n, s.o, s.oh * s.ow, ctx);
}

void conv2d_backward_input(const CudaContext& ctx, const ConvShape& s, DType type, void* dx,
                           const void* dy, const void* w, const void* bias) {
  Call c(s, type, ctx);
  const auto& usable =
      algorithms<cudnnConvolutionBwdDataAlgoPerf_t, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT>(
          Pass::BackwardData, s, type, c, [&](int count, int* returned, auto* perf) {
            TESSEL_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
                c.handle, c.w.get(), c.y.get(), c.conv.get(), c.x.get(), count, returned, perf));
          });
  Scalar one(1), zero(0);
  run_first<cudnnConvolutionBwdDataAlgo_t>(
      Pass::BackwardData, s, type, ctx, c, usable, [&](auto algo, void* ws, size_t bytes) {
        return cudnnConvolutionBackwardData(c.handle, one.get(type), c.w.get(), w, c.y.get(), dy,
                                            c.conv.get(), algo, ws, bytes, zero.get(type),
                                            c.x.get(), dx);
      });
  add_bias(type, dx, bias, s.n, s.c, s.h * s.w, ctx);
}

void conv2d_backward_weight(const CudaContext& ctx, const ConvShape& s, DType type, void* dw,
                            const void* dy, const void* x) {
  Call c(s, type, ctx);
  const auto& usable =
      algorithms<cudnnConvolutionBwdFilterAlgoPerf_t, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT>(
          Pass::BackwardFilter, s, type, c, [&](int count, int* returned, auto* perf) {
            TESSEL_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                c.handle, c.x.get(), c.y.get(), c.conv.get(), c.w.get(), count, returned, perf));
          });
  Scalar one(1), zero(0);
  run_first<cudnnConvolutionBwdFilterAlgo_t>(
      Pass::BackwardFilter, s, type, ctx, c, usable, [&](auto algo, void* ws, size_t bytes) {
        return cudnnConvolutionBackwardFilter(c.handle, one.get(type), c.x.get(), x, c.y.get(), dy,
                                              c.conv.get(), algo, ws, bytes, zero.get(type),
                                              c.w.get(), dw);
      });
}

}  // namespace tessel::kernels
