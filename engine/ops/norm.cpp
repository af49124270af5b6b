// batch_norm, group_norm, layer_norm: one forward path and one backward node over the kernels
// of kernels/norm.h, which see each op as its stats groups and its param groups.
#include "engine/ops/norm.h"

#include <tuple>
#include <utility>

#include "engine/autocast.h"
#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/reduce.h"
#include "kernels/norm.h"

namespace tessel {

using kernels::Groups;

namespace {

DType param_dtype(const Tensor& x) {
  return x.dtype() == DType::F64 ? DType::F64 : DType::F32;
}

const void* ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr() : nullptr;
}

kernels::NormArgs norm_args(const Tensor& x, Groups stats, Groups params, const Tensor& mean,
                            const Tensor& invstd, const Tensor& weight, const Tensor& bias) {
  return {x.numel(),
          stats,
          params,
          x.data_ptr(),
          mean.data_ptr(),
          invstd.data_ptr(),
          ptr_or_null(weight),
          ptr_or_null(bias)};
}

// Per-group sums of w * dy and w * dy * xhat over the groups `over` (w = 1 when a.weight is null).
std::pair<Tensor, Tensor> grad_sums(const kernels::NormArgs& a, Groups over, DType type,
                                    const Tensor& dy) {
  Tensor s = empty({over.count}, {param_dtype(dy), dy.device()}), q = empty_like(s);
  on_device(dy.device(), [&](const auto& ctx) {
    kernels::norm_grad_sums(ctx, type, a, over, dy.data_ptr(), s.data_ptr(), q.data_ptr());
  });
  return {s, q};
}

struct NormBackward {
  Groups stats, params;
  bool batch_stats;  // the statistics depend on x (false in batch norm's eval mode)
  SavedTensor x, mean, invstd, weight;
  Shape param_shape;

  std::vector<Tensor> operator()(const Tensor& g, const Node& self) const {
    Tensor dy = g.contiguous(), xv = x.get(), m = mean.get(), is = invstd.get();
    Tensor w = weight.defined() ? weight.get() : Tensor();
    kernels::NormArgs a = norm_args(xv, stats, params, m, is, w, Tensor());
    DType type = xv.dtype();
    Tensor dw, db, mean_wdy, mean_wdy_xhat;
    bool same_groups = stats.count == params.count && stats.inner == params.inner;
    if (self.needs_grad(1) || self.needs_grad(2) ||
        (self.needs_grad(0) && batch_stats && same_groups)) {
      kernels::NormArgs unweighted = a;
      unweighted.weight = nullptr;
      std::tie(db, dw) = grad_sums(unweighted, params, type, dy);
    }
    if (self.needs_grad(0) && batch_stats) {
      double per_group = double(xv.numel() / stats.count);
      if (same_groups) {  // batch norm: w is constant over a stats group, so reuse db and dw
        mean_wdy = (w.defined() ? db * w : db) / per_group;
        mean_wdy_xhat = (w.defined() ? dw * w : dw) / per_group;
      } else {
        auto [s, q] = grad_sums(a, stats, type, dy);
        mean_wdy = s / per_group;
        mean_wdy_xhat = q / per_group;
      }
    }
    Tensor dx;
    if (self.needs_grad(0)) {
      dx = empty_like(xv);
      const void* s = ptr_or_null(mean_wdy);
      const void* q = ptr_or_null(mean_wdy_xhat);
      on_device(dx.device(), [&](const auto& ctx) {
        kernels::norm_backward(ctx, type, a, dy.data_ptr(), s, q, dx.data_ptr());
      });
    }
    return {dx, self.needs_grad(1) ? dw.reshape(param_shape) : Tensor(),
            self.needs_grad(2) ? db.reshape(param_shape) : Tensor()};
  }
};

void check_param(const char* op, const Tensor& t, const char* name, const Tensor& x,
                 const Shape& shape) {
  if (!t.defined()) return;
  check_float(op, t, name);
  check_same_device(op, x, "input", t, name);
  TESSEL_CHECK(t.sizes() == shape, op, ": '", name, "' must have shape ", shape_str(shape),
               ", got ", shape_str(t.sizes()));
}

void check_input(const char* op, const Tensor& x, int64_t min_dim) {
  check_float(op, x, "input");
  TESSEL_CHECK(x.dim() >= min_dim && x.numel() > 0, op,
               ": 'input' must be non-empty with at least ", min_dim, " dims, got shape ",
               shape_str(x.sizes()));
}

// Mean and invstd of each stats group of x.
std::pair<Tensor, Tensor> batch_moments(const Tensor& x, Groups stats) {
  Tensor mean = empty({stats.count}, {param_dtype(x), x.device()}), var = empty_like(mean);
  on_device(x.device(), [&](const auto& ctx) {
    kernels::group_moments(ctx, x.dtype(), x.numel(), stats, x.data_ptr(), mean.data_ptr(),
                           var.data_ptr());
  });
  return {mean, var};
}

// y = (x - mean) * invstd * weight + bias, recording the backward node. Weight and bias are
// converted to the statistics' dtype; that conversion carries their gradients back.
Tensor normalize(const char* op, const Tensor& x_in, Groups stats, Groups params,
                 const Tensor& mean, const Tensor& invstd, const Tensor& weight, const Tensor& bias,
                 bool batch_stats, trace::DetailsFn details = {}) {
  DType pt = param_dtype(x_in);
  Tensor w = weight.defined() ? weight.to(pt).contiguous() : Tensor();
  Tensor b = bias.defined() ? bias.to(pt).contiguous() : Tensor();
  Tensor x = x_in.detach().contiguous();
  Tensor y = empty_like(x);
  auto a = norm_args(x, stats, params, mean, invstd, w, b);
  on_device(x.device(),
            [&](const auto& ctx) { kernels::norm_forward(ctx, x.dtype(), a, y.data_ptr()); });
  if (Node* n = record(y, op, {x_in, w, b}, details)) {
    Shape param_shape = w.defined() ? w.sizes() : (b.defined() ? b.sizes() : Shape{});
    // The weight is read only by the input's gradient (the parameters' sums are unweighted).
    n->rule = NormBackward{
        stats, params, batch_stats, x, mean, invstd, n->needs_grad(0) ? w : Tensor(), param_shape};
  }
  return y;
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
  const char* op = "batch_norm";
  check_input(op, x, 2);
  int64_t c = x.size(1), per_channel = x.numel() / c;
  check_param(op, running_mean, "running_mean", x, {c});
  check_param(op, running_var, "running_var", x, {c});
  check_param(op, weight, "weight", x, {c});
  check_param(op, bias, "bias", x, {c});
  TESSEL_CHECK(eps > 0, op, ": eps must be positive, got ", eps);
  Groups channels{c, per_channel / x.size(0)};
  Tensor mean, invstd;
  if (training) {
    TESSEL_CHECK(per_channel > 1, op,
                 ": expected more than 1 value per channel when training, got input shape ",
                 shape_str(x.sizes()));
    Tensor var;
    std::tie(mean, var) = batch_moments(x.detach().contiguous(), channels);
    invstd = rsqrt(var + eps);
    NoGradGuard no_grad;
    if (running_mean.defined()) {
      Tensor r = running_mean;
      r.copy_(r * (1 - momentum) + mean * momentum);
    }
    if (running_var.defined()) {
      Tensor r = running_var;
      r.copy_(r * (1 - momentum) +
              var * (momentum * double(per_channel) / double(per_channel - 1)));
    }
  } else {
    TESSEL_CHECK(running_mean.defined() && running_var.defined(), op,
                 ": eval mode (training = false) needs running_mean and running_var");
    NoGradGuard no_grad;
    mean = running_mean.detach().to(param_dtype(x)).contiguous();
    invstd = rsqrt(running_var.detach().to(param_dtype(x)) + eps);
  }
  auto details = [&] {
    return trace::Details{{{"eps", eps}, {"training", int64_t(training)}},
                          {running_mean, running_var}};
  };
  return normalize(op, x, channels, channels, mean, invstd, weight, bias, training, details);
}

Tensor group_norm(const Tensor& x, int64_t groups, const Tensor& weight, const Tensor& bias,
                  double eps) {
  if (autocast_widens({&x})) return group_norm(autocast_widen(x), groups, weight, bias, eps);
  const char* op = "group_norm";
  check_input(op, x, 2);
  int64_t c = x.size(1);
  TESSEL_CHECK(groups > 0 && c % groups == 0, op, ": 'groups' (", groups,
               ") must be positive and divide the channels (", c, ")");
  check_param(op, weight, "weight", x, {c});
  check_param(op, bias, "bias", x, {c});
  TESSEL_CHECK(eps > 0, op, ": eps must be positive, got ", eps);
  Groups rows{x.size(0) * groups, x.numel() / (x.size(0) * groups)};
  auto [mean, var] = batch_moments(x.detach().contiguous(), rows);
  auto details = [&] { return trace::Details{{{"groups", groups}, {"eps", eps}}}; };
  return normalize(op, x, rows, Groups{c, x.numel() / (x.size(0) * c)}, mean, rsqrt(var + eps),
                   weight, bias, true, details);
}

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  if (autocast_widens({&x}))
    return layer_norm(autocast_widen(x), normalized_shape, weight, bias, eps);
  const char* op = "layer_norm";
  size_t k = normalized_shape.size();
  check_input(op, x, int64_t(std::max<size_t>(k, 1)));
  TESSEL_CHECK(k > 0 && Shape(x.sizes().end() - int64_t(k), x.sizes().end()) == normalized_shape,
               op, ": 'normalized_shape' ", shape_str(normalized_shape),
               " must be non-empty and match the trailing dims of the input ",
               shape_str(x.sizes()));
  check_param(op, weight, "weight", x, normalized_shape);
  check_param(op, bias, "bias", x, normalized_shape);
  TESSEL_CHECK(eps > 0, op, ": eps must be positive, got ", eps);
  int64_t len = shape_numel(normalized_shape);
  Groups rows{x.numel() / len, len};
  auto [mean, var] = batch_moments(x.detach().contiguous(), rows);
  auto details = [&] { return trace::Details{{{"axis", -int64_t(k)}, {"eps", eps}}}; };
  return normalize(op, x, rows, Groups{len, 1}, mean, rsqrt(var + eps), weight, bias, true,
                   details);
}

}  // namespace tessel
