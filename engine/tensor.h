// Tensor: a cheap handle to a shared implementation (storage, sizes, strides, offset, dtype, and
// the autograd state). Copying a Tensor copies the handle; views share the storage.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "engine/storage.h"

namespace tessel {

using Shape = std::vector<int64_t>;
using Size2 = std::array<int64_t, 2>;  // (height, width) of kernels, strides, paddings
std::string shape_str(const Shape& s);
// "(h, w)": how error messages show kernel sizes, strides and paddings.
std::string size2_str(const Size2& p);
int64_t shape_numel(const Shape& s);
Shape contiguous_strides(const Shape& sizes);

struct Node;
class Tensor;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape sizes, strides;
  int64_t offset = 0;  // in elements
  DType dtype = DType::F32;
  // autograd
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;         // set on results of recorded ops
  std::shared_ptr<TensorImpl> grad;      // accumulated gradient of a leaf
  std::weak_ptr<Node> grad_accumulator;  // a leaf's AccumulateGrad node, shared by all uses
  // Run after backward accumulates into `grad` (engine/autograd.h), while their owners hold them.
  std::vector<std::weak_ptr<const std::function<void()>>> post_accumulate_hooks;
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  // A new tensor over `storage` (no autograd history).
  Tensor(std::shared_ptr<Storage> storage, Shape sizes, Shape strides, int64_t offset, DType dtype);

  bool defined() const { return impl_ != nullptr; }
  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }

  // Metadata. Negative dims count from the end, as in PyTorch.
  int64_t dim() const { return int64_t(ref().sizes.size()); }
  const Shape& sizes() const { return ref().sizes; }
  const Shape& strides() const { return ref().strides; }
  int64_t size(int64_t d) const { return ref().sizes[size_t(wrap_dim(d))]; }
  int64_t stride(int64_t d) const { return ref().strides[size_t(wrap_dim(d))]; }
  int64_t offset() const { return ref().offset; }
  int64_t numel() const { return shape_numel(ref().sizes); }
  DType dtype() const { return ref().dtype; }
  Device device() const { return ref().storage->device(); }
  bool is_cuda() const { return device().is_cuda(); }
  size_t element_size() const { return tessel::element_size(dtype()); }
  bool is_contiguous() const;
  int64_t wrap_dim(int64_t d) const;  // throws for a dim outside [-dim, dim)
  const std::shared_ptr<Storage>& storage() const { return ref().storage; }

  void* data_ptr() const;
  template <typename T>
  T* data() const {
    TESSEL_CHECK(dtype_of<T>() == dtype(), "Tensor::data: tensor has dtype ", dtype(),
                 ", asked for ", dtype_name(dtype_of<T>()));
    return static_cast<T*>(data_ptr());
  }

  // Views: share storage, differentiable.
  Tensor view(const Shape& shape) const;     // needs compatible strides; -1 infers one size
  Tensor reshape(const Shape& shape) const;  // a view when possible, else a copy
  Tensor flatten(int64_t start = 0, int64_t end = -1) const;
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor expand(const Shape& shape) const;  // -1 keeps a size
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;

  // Data movement.
  Tensor contiguous() const;  // itself when already contiguous
  Tensor clone() const;
  Tensor to(Device device) const;
  Tensor to(DType dtype) const;
  Tensor& copy_(const Tensor& src);  // broadcasts src, converts dtype and device
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0.0); }

  // Host readback.
  template <typename T>
  std::vector<T> to_vector() const;  // converts to T
  double item() const;               // a one-element tensor as double
  template <typename T>
  T item() const {
    return static_cast<T>(item());
  }
  std::string str() const;

  // Autograd.
  bool requires_grad() const { return ref().requires_grad; }
  Tensor& requires_grad_(bool on = true);
  bool is_leaf() const { return ref().grad_fn == nullptr; }
  const std::shared_ptr<Node>& grad_fn() const { return ref().grad_fn; }
  Tensor grad() const { return Tensor(ref().grad); }
  void set_grad(const Tensor& g) { impl_->grad = g.impl_; }
  // Gradient of this tensor w.r.t. the graph's leaves; `grad` may be omitted for a scalar.
  void backward(const Tensor& grad = Tensor(), bool retain_graph = false) const;
  Tensor detach() const;  // same data, no history
  // Makes this tensor's implementation take src's storage, sizes, strides, offset and dtype,
  // keeping its own autograd state (requires_grad, grad): every handle sharing the
  // implementation sees the new data. nn::Module::to() moves parameters this way.
  void set_data(const Tensor& src);

 private:
  const TensorImpl& ref() const {
    TESSEL_CHECK(impl_ != nullptr, "use of an undefined Tensor");
    return *impl_;
  }
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Factories. `options` pick dtype and device.
struct TensorOptions {
  DType dtype = DType::F32;
  Device device = kCPU;
  TensorOptions() = default;
  TensorOptions(DType t) : dtype(t) {}
  TensorOptions(Device d) : device(d) {}
  TensorOptions(DType t, Device d) : dtype(t), device(d) {}
};

Tensor empty(const Shape& shape, TensorOptions o = {});
Tensor zeros(const Shape& shape, TensorOptions o = {});
Tensor ones(const Shape& shape, TensorOptions o = {});
Tensor full(const Shape& shape, double value, TensorOptions o = {});
Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
Tensor arange(double start, double end, double step = 1, TensorOptions o = {});
Tensor linspace(double start, double end, int64_t steps, TensorOptions o = {});
// Copies host values (converted to o.dtype) into a new tensor of `shape`.
template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, TensorOptions o = {});
Tensor scalar_tensor(double value, TensorOptions o = {});

}  // namespace tessel
