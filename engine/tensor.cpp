#include "engine/tensor.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "engine/dispatch.h"
#include "engine/iter.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "kernels/copy.h"

namespace tessel {

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

std::string size2_str(const Size2& p) {
  std::ostringstream os;
  os << "(" << p[0] << ", " << p[1] << ")";
  return os.str();
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t v : s) n *= v;
  return n;
}

Shape contiguous_strides(const Shape& sizes) {
  Shape st(sizes.size());
  int64_t s = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    st[i] = s;
    s *= std::max<int64_t>(sizes[i], 1);
  }
  return st;
}

Tensor::Tensor(std::shared_ptr<Storage> storage, Shape sizes, Shape strides, int64_t offset,
               DType dtype)
    : impl_(std::make_shared<TensorImpl>()) {
  impl_->storage = std::move(storage);
  impl_->sizes = std::move(sizes);
  impl_->strides = std::move(strides);
  impl_->offset = offset;
  impl_->dtype = dtype;
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = ref().sizes.size(); i-- > 0;) {
    if (ref().sizes[i] == 1) continue;
    if (ref().strides[i] != expected) return false;
    expected *= ref().sizes[i];
  }
  return true;
}

int64_t Tensor::wrap_dim(int64_t d) const {
  int64_t n = dim();
  TESSEL_CHECK(d >= -n && d < n, "dimension ", d, " is out of range for a tensor of ", n,
               " dims (shape ", shape_str(sizes()), ")");
  return d < 0 ? d + n : d;
}

void* Tensor::data_ptr() const {
  return static_cast<char*>(ref().storage->data()) + ref().offset * int64_t(element_size());
}

Tensor& Tensor::requires_grad_(bool on) {
  TESSEL_CHECK(!on || is_floating(dtype()),
               "requires_grad_: only floating-point tensors can "
               "require gradients (dtype ",
               dtype(), ")");
  TESSEL_CHECK(is_leaf() || on, "requires_grad_(false) on a non-leaf tensor; use detach()");
  impl_->requires_grad = on;
  return *this;
}

Tensor Tensor::detach() const {
  return Tensor(ref().storage, ref().sizes, ref().strides, ref().offset, ref().dtype);
}

void Tensor::set_data(const Tensor& src) {
  TESSEL_CHECK(src.defined(), "set_data: the source tensor is undefined");
  TESSEL_CHECK(!ref().requires_grad || is_floating(src.dtype()),
               "set_data: a tensor that requires grad cannot take dtype ", src.dtype());
  if (src.impl_ == impl_) return;
  impl_->storage = src.storage();
  impl_->sizes = src.sizes();
  impl_->strides = src.strides();
  impl_->offset = src.offset();
  impl_->dtype = src.dtype();
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  Tensor host = to(kCPU).to(dtype_of<T>()).contiguous();
  const T* p = host.data<T>();
  return std::vector<T>(p, p + host.numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int32_t> Tensor::to_vector<int32_t>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<uint8_t> Tensor::to_vector<uint8_t>() const;
template std::vector<bool> Tensor::to_vector<bool>() const;

double Tensor::item() const {
  TESSEL_CHECK(numel() == 1, "item: tensor has ", numel(), " elements (shape ", shape_str(sizes()),
               "), expected exactly 1");
  return to_vector<double>()[0];
}

std::string Tensor::str() const {
  if (!defined()) return "Tensor(undefined)";
  std::ostringstream os;
  std::vector<double> v = detach().to_vector<double>();
  os << "Tensor(shape=" << shape_str(sizes()) << ", dtype=" << dtype() << ", device=" << device();
  if (requires_grad()) os << ", requires_grad";
  os << ")\n";
  // Nested brackets, last dim on one line; long tensors are cut after 6 rows' worth.
  const Shape& s = sizes();
  int64_t last = s.empty() ? 1 : s.back();
  int64_t rows = last == 0 ? 0 : int64_t(v.size()) / last;
  os << std::setprecision(6);
  for (int64_t r = 0; r < rows; ++r) {
    if (r == 6 && rows > 8) {
      os << "  ... (" << rows - 7 << " more rows)\n";
      r = rows - 1;
    }
    os << "  [";
    for (int64_t c = 0; c < last; ++c) os << (c ? ", " : "") << v[size_t(r * last + c)];
    os << "]\n";
  }
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  return os << t.str();
}

// Factories.

Tensor empty(const Shape& shape, TensorOptions o) {
  for (int64_t s : shape) TESSEL_CHECK(s >= 0, "empty: negative size in shape ", shape_str(shape));
  auto storage = Storage::allocate(size_t(shape_numel(shape)) * element_size(o.dtype), o.device);
  return Tensor(std::move(storage), shape, contiguous_strides(shape), 0, o.dtype);
}
Tensor full(const Shape& shape, double value, TensorOptions o) {
  Tensor t = empty(shape, o);
  t.fill_(value);
  return t;
}
Tensor zeros(const Shape& shape, TensorOptions o) {
  return full(shape, 0.0, o);
}
Tensor ones(const Shape& shape, TensorOptions o) {
  return full(shape, 1.0, o);
}
Tensor empty_like(const Tensor& t) {
  return empty(t.sizes(), {t.dtype(), t.device()});
}
Tensor zeros_like(const Tensor& t) {
  return zeros(t.sizes(), {t.dtype(), t.device()});
}
Tensor ones_like(const Tensor& t) {
  return ones(t.sizes(), {t.dtype(), t.device()});
}
Tensor full_like(const Tensor& t, double value) {
  return full(t.sizes(), value, {t.dtype(), t.device()});
}
Tensor scalar_tensor(double value, TensorOptions o) {
  return full({}, value, o);
}

static Tensor arange_n(int64_t n, double start, double step, TensorOptions o) {
  Tensor t = empty({n}, o);
  on_device(o.device,
            [&](const auto& ctx) { kernels::arange(ctx, o.dtype, t.data_ptr(), n, start, step); });
  return t;
}

Tensor arange(double start, double end, double step, TensorOptions o) {
  TESSEL_CHECK(step != 0, "arange: step must be non-zero");
  TESSEL_CHECK((end - start) / step >= 0, "arange: start ", start, ", end ", end, " and step ",
               step, " do not agree in sign");
  return arange_n(int64_t(std::ceil((end - start) / step)), start, step, o);
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions o) {
  TESSEL_CHECK(steps >= 0, "linspace: steps must be non-negative, got ", steps);
  return arange_n(steps, start, steps > 1 ? (end - start) / double(steps - 1) : 0.0, o);
}

template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, TensorOptions o) {
  TESSEL_CHECK(int64_t(values.size()) == shape_numel(shape), "from_vector: ", values.size(),
               " values for shape ", shape_str(shape), " (", shape_numel(shape), " elements)");
  Tensor host = empty(shape, {dtype_of<T>(), kCPU});
  std::copy(values.begin(), values.end(), host.data<T>());
  return host.to(o.dtype).to(o.device);
}
template Tensor from_vector(const std::vector<float>&, const Shape&, TensorOptions);
template Tensor from_vector(const std::vector<double>&, const Shape&, TensorOptions);
template Tensor from_vector(const std::vector<int32_t>&, const Shape&, TensorOptions);
template Tensor from_vector(const std::vector<int64_t>&, const Shape&, TensorOptions);
template Tensor from_vector(const std::vector<uint8_t>&, const Shape&, TensorOptions);

}  // namespace tessel
