#include "kernels/cross_entropy.h"

#include <optional>
#include <vector>

#include "kernels/cpu/parallel.h"

namespace tessel::kernels {
namespace {

// fn(CeView<T, L>) for the logit and label types; the CPU computes in f64.
template <typename Fn>
void dispatch_ce(const CeArgs& a, const char* what, const Fn& fn) {
  dispatch_float(a.type, what, [&](auto t) {
    dispatch_types<uint8_t, int32_t, int64_t>(a.label_type, what, [&](auto l) {
      fn(CeView<typename decltype(t)::type, typename decltype(l)::type>(a));
    });
  });
}

// Pixels per chunk: chunks are the unit of the parallel loop and of the fixed-order sum, and
// depend on the sizes only, so the totals do not change with the thread count.
int64_t grain_for(const CeArgs& a) {
  return std::max<int64_t>(1, kGrain / std::max<int64_t>(a.classes, 1));
}

}  // namespace

void cross_entropy_forward(const CpuContext&, const CeArgs& a, void* lse_out, void* loss_out,
                           void* totals_out, bool mean) {
  dispatch_ce(a, "cross_entropy", [&](const auto& v) {
    using T = typename std::decay_t<decltype(v)>::type;
    using S = typename std::decay_t<decltype(v)>::stat;
    S* lse = static_cast<S*>(lse_out);
    T* loss = static_cast<T*>(loss_out);
    int64_t grain = grain_for(a), chunks = (a.pixels() + grain - 1) / grain;
    std::vector<double> sums(size_t(2 * chunks), 0.0);
    std::vector<std::optional<int64_t>> bad(static_cast<size_t>(chunks));
    parallel_for(a.pixels(), grain, [&](int64_t b, int64_t e) {
      int64_t chunk = b / grain;
      for (int64_t p = b; p < e; ++p) {
        int64_t y = v.label(p);
        if (!v.k.ignored(y) && !v.k.valid(y) && !bad[size_t(chunk)]) bad[size_t(chunk)] = y;
        CePixel<double> r = ce_forward_pixel<double>(v.x + v.offset(p), v.inner, y, v.k);
        lse[p] = S(r.lse);
        if (!totals_out) loss[p] = T(r.loss);
        sums[size_t(2 * chunk)] += r.loss;
        sums[size_t(2 * chunk + 1)] += r.weight;
      }
    });
    for (const auto& b : bad)
      TESSEL_CHECK(!b, "cross_entropy: label ", *b, " is out of range for ", a.classes,
                   " classes (and is not ignore_index ", a.ignore_index, ")");
    if (!totals_out) return;
    double total = 0, weight = 0;
    for (int64_t c = 0; c < chunks; ++c)
      total += sums[size_t(2 * c)], weight += sums[size_t(2 * c + 1)];
    S* totals = static_cast<S*>(totals_out);
    totals[0] = S(total), totals[1] = S(weight);
    loss[0] = T(mean ? total / weight : total);
  });
}

void cross_entropy_backward(const CpuContext&, const CeArgs& a, const void* lse_in, const CeGrad& g,
                            void* grad_logits) {
  dispatch_ce(a, "cross_entropy backward", [&](const auto& v) {
    using T = typename std::decay_t<decltype(v)>::type;
    using S = typename std::decay_t<decltype(v)>::stat;
    const S* lse = static_cast<const S*>(lse_in);
    const T* go = static_cast<const T*>(g.grad_out);
    T* dx = static_cast<T*>(grad_logits);
    double denom = g.totals ? double(static_cast<const S*>(g.totals)[1]) : 1.0;
    parallel_for(a.pixels(), grain_for(a), [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        double scale = double(go[g.per_pixel ? p : 0]) / denom;
        ce_backward_pixel<double>(dx + v.offset(p), v.x + v.offset(p), v.inner, v.label(p),
                                  double(lse[p]), scale, v.k);
      }
    });
  });
}

}  // namespace tessel::kernels
