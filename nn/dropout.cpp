#include "nn/dropout.h"

#include "engine/ops.h"
#include "nn/args.h"

namespace tessel::nn {

Dropout::Dropout(double p) : Dropout("Dropout", p) {}
Dropout::Dropout(const char* type_name, double p) : Module(type_name), p(p) {
  TESSEL_CHECK(p >= 0 && p <= 1, type_name,
               ": dropout probability has to be between 0 and 1, but got ", p);
}
Tensor Dropout::forward(const Tensor& x) {
  auto scope = trace_scope();
  return dropout(x, p, is_training(), generator);
}
std::string Dropout::extra_repr() const {
  return "p=" + repr(p) + ", inplace=False";
}

Dropout2d::Dropout2d(double p) : Dropout("Dropout2d", p) {}
Tensor Dropout2d::forward(const Tensor& x) {
  auto scope = trace_scope();
  return dropout2d(x, p, is_training(), generator);
}

}  // namespace tessel::nn
