// Data movement: contiguous, clone, to(dtype), to(device), copy_, fill_. Differentiable where
// the result is a new tensor (the gradient flows back converted to the source's dtype/device).
// No header: these are Tensor methods, declared with the Tensor (engine/tensor.h).
#include "kernels/copy.h"
#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/iter.h"

namespace tessel {
namespace {

// Copies src (broadcast to dst's shape) into dst, both on the same device.
void copy_same_device(const Tensor& dst, const Tensor& src) {
  auto p = make_plan<2>(dst.sizes(), {&dst, &src}, "copy_");
  on_device(dst.device(), [&](const auto& ctx) {
    kernels::copy(ctx, p, dst.dtype(), dst.data_ptr(), src.dtype(), src.data_ptr());
  });
}

Tensor copy_of(const Tensor& src, DType dtype, Device device) {
  Tensor out = empty(src.sizes(), {dtype, device});
  {
    NoGradGuard no_grad;
    out.copy_(src);
  }
  // Gradient of a copy: the incoming gradient moved back to the source's dtype and device.
  if (is_floating(dtype)) {
    if (Node* n = record(out, "To", {src}))
      n->rule = [dtype = src.dtype(), device = src.device()](const Tensor& g, const Node&) {
        return std::vector<Tensor>{g.to(device).to(dtype)};
      };
  }
  return out;
}

}  // namespace

Tensor Tensor::contiguous() const {
  return is_contiguous() ? *this : copy_of(*this, dtype(), device());
}
Tensor Tensor::clone() const {
  return copy_of(*this, dtype(), device());
}
Tensor Tensor::to(DType t) const {
  return t == dtype() ? *this : copy_of(*this, t, device());
}
Tensor Tensor::to(Device d) const {
  return d == device() ? *this : copy_of(*this, dtype(), d);
}

Tensor& Tensor::copy_(const Tensor& src) {
  TESSEL_CHECK(!any_requires_grad(*this),
               "copy_: in-place write into a tensor that requires "
               "grad; use detach() or a NoGradGuard");
  broadcast_shapes(sizes(), src.sizes(), "copy_");  // validates broadcastability
  if (src.device() == device()) {
    copy_same_device(*this, src);
  } else {
    // Across devices: bring src to this dtype, contiguous and at this shape on its own device
    // (unless it is already so: to(kCPU) and item() move the bytes as they are), then move the
    // bytes, then place them if this tensor is not contiguous.
    Tensor staged = src;
    if (src.dtype() != dtype() || src.sizes() != sizes() || !src.is_contiguous()) {
      staged = empty(sizes(), {dtype(), src.device()});
      copy_same_device(staged, src);
    }
    Tensor landing = is_contiguous() ? *this : empty(sizes(), {dtype(), device()});
    cuda::copy_bytes(landing.data_ptr(), is_cuda(), device().index, staged.data_ptr(),
                     src.is_cuda(), src.device().index, size_t(numel()) * element_size());
    if (!is_contiguous()) copy_same_device(*this, landing);
  }
  storage()->bump_version();
  return *this;
}

Tensor& Tensor::fill_(double value) {
  TESSEL_CHECK(!any_requires_grad(*this),
               "fill_: in-place write into a tensor that requires "
               "grad; use a NoGradGuard");
  auto p = make_plan<1>(sizes(), {this}, "fill_");
  on_device(device(), [&](const auto& ctx) { kernels::fill(ctx, p, dtype(), data_ptr(), value); });
  storage()->bump_version();
  return *this;
}

}  // namespace tessel
