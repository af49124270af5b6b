#include "engine/dispatch.h"

namespace tessel {

void check_same_device(const char* op, const Tensor& a, const char* a_name, const Tensor& b,
                       const char* b_name) {
  TESSEL_CHECK(a.device() == b.device(), op, ": '", a_name, "' is on ", a.device(), " but '",
               b_name, "' is on ", b.device(), "; move one with .to(device)");
}

void check_dtype(const char* op, const Tensor& t, const char* name, DType expected) {
  TESSEL_CHECK(t.dtype() == expected, op, ": '", name, "' has dtype ", t.dtype(), ", expected ",
               expected);
}

void check_float(const char* op, const Tensor& t, const char* name) {
  TESSEL_CHECK(is_floating(t.dtype()), op, ": '", name, "' must be a floating-point tensor, got ",
               t.dtype());
}

void check_dim(const char* op, const Tensor& t, const char* name, int64_t expected) {
  TESSEL_CHECK(t.dim() == expected, op, ": '", name, "' must have ", expected, " dims, got shape ",
               shape_str(t.sizes()));
}

}  // namespace tessel
