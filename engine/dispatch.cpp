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

void check_label_map(const char* op, const Tensor& labels) {
  DType t = labels.dtype();
  TESSEL_CHECK(t == DType::U8 || t == DType::I32 || t == DType::I64, op,
               ": 'labels' must be u8, i32 or i64, got ", t);
  check_dim(op, labels, "labels", 3);
}

void check_edge_kernel(const char* op, int64_t k) {
  TESSEL_CHECK(k > 0 && k % 2 == 1, op, ": the edge kernel must be odd and positive, got ", k);
}

}  // namespace tessel
