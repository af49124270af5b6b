// sort and cumsum along the last dim: the kernels work on contiguous rows.
#include "engine/ops/sort.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/index.h"
#include "engine/ops/reduce.h"
#include "kernels/sort.h"

namespace tessel {
namespace {

// The contiguous [rows, len] view of x's data, with its row count.
int64_t rows_of(const char* op, const Tensor& x) {
  check_float(op, x, "input");
  TESSEL_CHECK(x.dim() >= 1, op, ": 'input' must have at least 1 dim, got a 0-dim tensor");
  int64_t len = x.size(-1);
  return len == 0 ? 0 : x.numel() / len;
}

std::vector<Tensor> cumsum_backward(const Tensor& g, const Node&) {
  // d out_j / d x_i = [i <= j], so grad_i = sum_{j >= i} g_j = sum(g) - cumsum(g)_i + g_i.
  return {sum(g, {-1}, true) - cumsum(g) + g};
}

}  // namespace

SortResult sort(const Tensor& x, bool descending) {
  int64_t rows = rows_of("sort", x);
  Tensor c = x.detach().contiguous();
  Tensor values = empty(c.sizes(), {c.dtype(), c.device()});
  Tensor indices = empty(c.sizes(), {DType::I64, c.device()});
  int64_t len = c.size(-1);
  on_device(c.device(), [&](const auto& ctx) {
    kernels::sort_rows(ctx, c.dtype(), c.data_ptr(), rows, len, descending, values.data_ptr(),
                       indices.data<int64_t>());
  });
  if (any_requires_grad(x)) values = gather_permutation(x, -1, indices);
  return {values, indices};
}

Tensor cumsum(const Tensor& x) {
  int64_t rows = rows_of("cumsum", x);
  Tensor c = x.detach().contiguous();
  Tensor out = empty(c.sizes(), {c.dtype(), c.device()});
  int64_t len = c.size(-1);
  on_device(c.device(), [&](const auto& ctx) {
    kernels::cumsum_rows(ctx, c.dtype(), c.data_ptr(), rows, len, out.data_ptr());
  });
  if (Node* n = record(out, "cumsum", {x})) n->rule = cumsum_backward;
  return out;
}

}  // namespace tessel
