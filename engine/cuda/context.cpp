#include "engine/cuda/context.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "core/cuda_check.h"
#include "core/env.h"
#include "engine/cuda/caching_allocator.h"
#include "kernels/cuda/cublas.h"
#include "kernels/cuda/cudnn_check.h"

namespace tessel::cuda {

namespace {

struct DeviceContext {
  int device;
  std::once_flag stream_once, copy_once, cublas_once, cudnn_once;
  cudaStream_t stream = nullptr, copy = nullptr;
  cublasHandle_t cublas = nullptr;
  cudnnHandle_t cudnn = nullptr;
  std::once_flag kernel_once;
  CudaContext kernel;
  std::mutex workspace_mutex;
  void* workspace = nullptr;
  size_t workspace_size = 0;
};

// Contexts are leaked on purpose: destroying handles after the driver has shut down at exit
// fails, and the process is ending anyway.
DeviceContext& state(int device) {
  static std::mutex mutex;
  static auto* contexts = new std::vector<std::unique_ptr<DeviceContext>>();
  std::lock_guard<std::mutex> lock(mutex);
  TESSEL_CHECK(device >= 0 && device < device_count(), "CUDA: device cuda:", device,
               " does not exist (", device_count(), " CUDA devices available)");
  if (contexts->empty()) contexts->resize(size_t(device_count()));
  auto& c = (*contexts)[size_t(device)];
  if (!c) {
    c = std::make_unique<DeviceContext>();
    c->device = device;
  }
  return *c;
}

// `stream`, created on first use.
cudaStream_t lazy_stream(const DeviceContext& c, std::once_flag& once, cudaStream_t& stream) {
  std::call_once(once, [&] {
    DeviceGuard guard(c.device);
    TESSEL_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  });
  return stream;
}

}  // namespace

Stream current_stream(int device) {
  DeviceContext& c = state(device);
  return lazy_stream(c, c.stream_once, c.stream);
}

Stream copy_stream(int device) {
  DeviceContext& c = state(device);
  return lazy_stream(c, c.copy_once, c.copy);
}

cublasContext* cublas_handle(int device) {
  DeviceContext& c = state(device);
  std::call_once(c.cublas_once, [&] {
    DeviceGuard guard(device);
    TESSEL_CUBLAS_CHECK(kernels::cublas().create(&c.cublas));
    TESSEL_CUBLAS_CHECK(kernels::cublas().set_stream(c.cublas, current_stream(device)));
  });
  return c.cublas;
}

cudnnContext* cudnn_handle(int device) {
  DeviceContext& c = state(device);
  std::call_once(c.cudnn_once, [&] {
    DeviceGuard guard(device);
    TESSEL_CUDNN_CHECK(cudnnCreate(&c.cudnn));
    TESSEL_CUDNN_CHECK(cudnnSetStream(c.cudnn, current_stream(device)));
  });
  return c.cudnn;
}

void* workspace(int device, size_t nbytes) {
  DeviceContext& c = state(device);
  std::lock_guard<std::mutex> lock(c.workspace_mutex);
  if (nbytes > c.workspace_size) {
    // The old block returns to the pool of the same stream, so work still queued on it finishes
    // before anyone else can be handed that memory. It is forgotten before the new one is asked
    // for: a failed request (out of memory, which the convolutions recover from by trying
    // another algorithm) must not leave the freed block behind as the workspace.
    if (c.workspace) allocator_raw_free(c.workspace, Device(DeviceType::CUDA, device));
    c.workspace = nullptr;
    c.workspace_size = 0;
    c.workspace = allocator_raw_alloc(nbytes, Device(DeviceType::CUDA, device));
    c.workspace_size = nbytes;
  }
  return c.workspace;
}

const CudaContext& kernel_context(int device) {
  DeviceContext& c = state(device);
  std::call_once(c.kernel_once, [&] {
    int sms = 0;
    TESSEL_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    c.kernel = {.device = device,
                .stream = current_stream(device),
                .sm_count = sms,
                .cublas_handle = cublas_handle,
                .cudnn_handle = cudnn_handle,
                .workspace_of = workspace,
                .conv_tf32_allowed = conv_tf32};
  });
  return c.kernel;
}

void synchronize(int device) {
  TESSEL_CUDA_CHECK(cudaStreamSynchronize(current_stream(device)));
}

void stream_wait(Stream waiter, Stream producer, int producer_device) {
  // The event belongs to the producer's device, as cudaEventRecord requires; destroying it at
  // once is allowed, the wait keeps what it needs.
  DeviceGuard guard(producer_device);
  cudaEvent_t event = nullptr;
  TESSEL_CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  struct Destroy {
    cudaEvent_t e;
    ~Destroy() { TESSEL_CUDA_WARN(cudaEventDestroy(e)); }
  } destroy{event};
  TESSEL_CUDA_CHECK(cudaEventRecord(event, producer));
  TESSEL_CUDA_CHECK(cudaStreamWaitEvent(waiter, event, 0));
}

void copy_bytes(void* dst, bool dst_is_cuda, int dst_device, const void* src, bool src_is_cuda,
                int src_device, size_t nbytes) {
  if (nbytes == 0) return;
  int device = src_is_cuda ? src_device : dst_device;
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  if (src_is_cuda && dst_is_cuda && src_device != dst_device) {
    // The destination block comes from the caching allocator in its own stream's order: work
    // queued there may still read its previous contents, so the copy waits for that stream, and
    // that stream's later work waits for the copy.
    cudaStream_t dst_stream = current_stream(dst_device);
    stream_wait(stream, dst_stream, dst_device);
    TESSEL_CUDA_CHECK(cudaMemcpyPeerAsync(dst, dst_device, src, src_device, nbytes, stream));
    stream_wait(dst_stream, stream, src_device);
    return;
  }
  TESSEL_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDefault, stream));
  // Host memory is pageable: the host may reuse or free it as soon as we return.
  TESSEL_CUDA_CHECK(cudaStreamSynchronize(stream));
}

namespace {
std::atomic<bool> conv_tf32_on{false};

std::atomic<bool>& sync_mode() {
  static std::atomic<bool> on{env_flag("TESSEL_CUDA_SYNC", false)};
  return on;
}
}  // namespace

bool conv_tf32() {
  return conv_tf32_on.load(std::memory_order_relaxed);
}

void set_conv_tf32(bool on) {
  conv_tf32_on.store(on);
}

bool sync_after_ops() {
  return sync_mode().load(std::memory_order_relaxed);
}

void set_sync_after_ops(bool on) {
  sync_mode().store(on);
}

void check_after_op(int device, const char* function, const char* file, int line) {
  cudaError_t err = cudaStreamSynchronize(current_stream(device));
  if (err == cudaSuccess) err = cudaGetLastError();
  if (err != cudaSuccess)
    detail::throw_error(file, line, "CUDA error in ", function, " on cuda:", device, ": ",
                        cudaGetErrorName(err), ": ", cudaGetErrorString(err),
                        " (found by TESSEL_CUDA_SYNC's check after each op)");
}

DeviceGuard::DeviceGuard(int device) : previous_(-1) {
  TESSEL_CUDA_CHECK(cudaGetDevice(&previous_));
  if (previous_ != device) TESSEL_CUDA_CHECK(cudaSetDevice(device));
}
DeviceGuard::~DeviceGuard() {
  int now = -1;
  if (cudaGetDevice(&now) == cudaSuccess && now != previous_)
    TESSEL_CUDA_WARN(cudaSetDevice(previous_));
}

}  // namespace tessel::cuda
