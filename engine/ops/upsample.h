// Resampling of (N, C, H, W) tensors, or of (C, H, W) / (N, H, W) ones such as label maps, with
// PyTorch's F.interpolate rules for modes 'bilinear' and 'nearest'.
#pragma once

#include <array>
#include <optional>

#include "engine/tensor.h"

namespace tessel {

using Scale2 = std::array<double, 2>;  // (height, width) scale factors

// Give exactly one of `size` and `scale_factor`:
//   upsample_bilinear(x, {.size = Size2{512, 1024}, .align_corners = true})
//   upsample_nearest(mask, {.scale_factor = Scale2{0.5, 0.5}})
// A scale factor makes the output floor(in * scale) and, as in PyTorch, the coordinates map with
// 1 / scale, not in / out, unless recompute_scale_factor is set (then only the size is kept).
// align_corners maps corner to corner with (in - 1) / (out - 1) and ignores any scale factor;
// nearest has no corners to align.
// Every default is spelled out so that designated initializers may leave members out (-Wextra).
struct UpsampleOptions {
  std::optional<Size2> size = std::nullopt;
  std::optional<Scale2> scale_factor = std::nullopt;
  bool align_corners = false;
  bool recompute_scale_factor = false;
};

// Floating-point input; the backward gathers, so it is deterministic.
Tensor upsample_bilinear(const Tensor& x, const UpsampleOptions& o);
// src = min(floor(dst * scale), in - 1) per axis, which downsamples as well. Also takes u8, i32 and
// i64 (masks); float inputs are differentiable.
Tensor upsample_nearest(const Tensor& x, const UpsampleOptions& o);

}  // namespace tessel
