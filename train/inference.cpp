#include "train/inference.h"

#include <algorithm>
#include <cmath>

#include "engine/ops.h"

namespace tessel::train {

namespace {

// Window starts along one axis: every `stride`, the last pulled back so it ends at the border.
std::vector<int64_t> window_starts(int64_t size, int64_t window, int64_t stride) {
  const int64_t count = std::max<int64_t>(size - window + stride - 1, 0) / stride + 1;
  std::vector<int64_t> starts;
  for (int64_t i = 0; i < count; ++i)
    starts.push_back(std::max<int64_t>(std::min(i * stride + window, size) - window, 0));
  return starts;
}

Tensor logits_at_scale(const LogitsFn& f, const Tensor& images, const InferenceOptions& o) {
  return o.sliding ? sliding_logits(f, images, *o.sliding) : f(images);
}

}  // namespace

Tensor sliding_logits(const LogitsFn& f, const Tensor& images, const SlidingWindow& w) {
  TESSEL_CHECK(images.dim() == 4, "sliding_logits: images must be [N, C, H, W], got ",
               shape_str(images.sizes()));
  for (int axis = 0; axis < 2; ++axis)
    TESSEL_CHECK(w.window[axis] > 0 && w.stride[axis] > 0,
                 "sliding_logits: window and stride must be positive, got window ",
                 size2_str(w.window), " stride ", size2_str(w.stride));
  const int64_t height = images.size(2), width = images.size(3);
  Tensor sum, count = zeros({1, 1, height, width});
  for (int64_t y : window_starts(height, w.window[0], w.stride[0])) {
    for (int64_t x : window_starts(width, w.window[1], w.stride[1])) {
      const int64_t h = std::min(w.window[0], height), wd = std::min(w.window[1], width);
      Tensor out = f(images.narrow(2, y, h).narrow(3, x, wd).contiguous());
      if (!sum.defined())
        sum = zeros({images.size(0), out.size(1), height, width}, {out.dtype(), out.device()});
      Tensor region = sum.narrow(2, y, h).narrow(3, x, wd);
      add_(region, out);
      Tensor seen = count.narrow(2, y, h).narrow(3, x, wd);
      add_(seen, ones({1}));
    }
  }
  return sum / count.to(sum.device());
}

Tensor flip_horizontal(const Tensor& x) {
  const int64_t width = x.size(-1);
  return index_select(x, -1, arange(double(width - 1), -1.0, -1.0, {DType::I64, x.device()}));
}

Tensor infer_logits(const LogitsFn& f, const Tensor& images, const InferenceOptions& o) {
  TESSEL_CHECK(!o.scales.empty(), "infer_logits: the list of scales is empty");
  const Size2 size{images.size(2), images.size(3)};
  Tensor total;
  for (double scale : o.scales) {
    TESSEL_CHECK(scale > 0, "infer_logits: scale ", scale, " must be positive");
    const Size2 scaled{std::max<int64_t>(1, std::llround(double(size[0]) * scale)),
                       std::max<int64_t>(1, std::llround(double(size[1]) * scale))};
    Tensor x = scaled == size ? images : upsample_bilinear(images, {.size = scaled});
    Tensor logits = logits_at_scale(f, x, o);
    if (o.flip) logits = logits + flip_horizontal(logits_at_scale(f, flip_horizontal(x), o));
    if (scaled != size) logits = upsample_bilinear(logits, {.size = size});
    total = total.defined() ? total + logits : logits;
  }
  return total / double(o.scales.size() * (o.flip ? 2 : 1));
}

Tensor infer_logits(models::SegmentationModel& model, const Tensor& images,
                    const InferenceOptions& o) {
  NoGradGuard no_grad;
  model.eval();
  const int64_t m = model.input_multiple();
  return infer_logits(
      [&](const Tensor& x) {
        const int64_t h = x.size(2), w = x.size(3);
        const int64_t pad_h = (m - h % m) % m, pad_w = (m - w % m) % m;
        if (pad_h == 0 && pad_w == 0) return model.forward_outputs(x).at("out");
        Tensor logits = model.forward_outputs(pad(x, {0, pad_w, 0, pad_h})).at("out");
        return logits.narrow(2, 0, h).narrow(3, 0, w).contiguous();
      },
      images, o);
}

Tensor argmax_labels(const Tensor& logits) {
  TESSEL_CHECK(logits.dim() == 4, "argmax_labels: logits must be [N, C, H, W], got ",
               shape_str(logits.sizes()));
  return argmax(logits, 1);
}

Tensor threshold_labels(const Tensor& logits, double threshold) {
  TESSEL_CHECK(threshold > 0 && threshold < 1, "threshold_labels: threshold ", threshold,
               " must lie in (0, 1)");
  // sigmoid(x) > t exactly when x > logit(t): no sigmoid to evaluate.
  return gt(logits, full_like(logits, std::log(threshold / (1 - threshold)))).to(DType::U8);
}

}  // namespace tessel::train
