// What a kernel needs from the engine besides its operands, passed down on every call, so that
// kernels never reach up for a stream, a library handle or scratch memory.
//
// The context's type picks the backend: a kernel family declares each entry point twice with the
// same parameters after the context,
//   void softmax(const CpuContext&, SoftmaxKind, DType, void* out, ...);   // kernels/cpu/
//   void softmax(const CudaContext&, SoftmaxKind, DType, void* out, ...);  // kernels/cuda/
// and an op writes its call once, in a generic lambda that engine/dispatch.h's on_device() calls
// with the context of the tensors' device. Declared without CUDA headers.
#pragma once

#include <cstddef>

struct CUstream_st;
struct cublasContext;
struct cudnnContext;

namespace tessel {

using Stream = CUstream_st*;

// The host backend needs nothing yet: OpenMP sizes its own thread team.
struct CpuContext {};

// One per device, made by the engine (engine/cuda/context.h) and valid for the whole process.
struct CudaContext {
  int device = 0;
  Stream stream = nullptr;  // every kernel and library call of Tessel's on `device` queues here
  int sm_count = 0;         // streaming multiprocessors, for sizing grids
  // Provided by the engine, which creates the handles on first use (bound to `stream`) and owns
  // the scratch memory. workspace() returns at least `nbytes`, valid in stream order until the
  // next workspace() call on the device.
  cublasContext* (*cublas_handle)(int device) = nullptr;
  cudnnContext* (*cudnn_handle)(int device) = nullptr;
  void* (*workspace_of)(int device, size_t nbytes) = nullptr;
  // Whether f32 convolutions may run on tensor cores in TF32 (off unless the engine allows it).
  bool (*conv_tf32_allowed)() = nullptr;

  cublasContext* cublas() const { return cublas_handle(device); }
  bool conv_tf32() const { return conv_tf32_allowed && conv_tf32_allowed(); }
  cudnnContext* cudnn() const { return cudnn_handle(device); }
  void* workspace(size_t nbytes) const { return workspace_of(device, nbytes); }
};

}  // namespace tessel
