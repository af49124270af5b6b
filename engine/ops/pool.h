// 2-D pooling over (N, C, H, W) or (C, H, W) inputs, with PyTorch's output-size rules.
#pragma once

#include <array>
#include <utility>

#include "engine/tensor.h"

namespace tessel {

// A stride of {0, 0} means the kernel size, as PyTorch's empty stride does. With ceil_mode the
// last window may hang over the bottom/right edge but must start inside the input or the left
// padding.
Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride = {0, 0}, Size2 padding = {0, 0},
                  Size2 dilation = {1, 1}, bool ceil_mode = false);
// Also returns, per output, the index h * W + w of the chosen pixel within its plane (i64).
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, Size2 kernel,
                                                  Size2 stride = {0, 0}, Size2 padding = {0, 0},
                                                  Size2 dilation = {1, 1}, bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride = {0, 0}, Size2 padding = {0, 0},
                  bool ceil_mode = false, bool count_include_pad = true);
// Output pixel i averages input rows [floor(i * H / out), ceil((i + 1) * H / out)), likewise
// columns.
Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size);

}  // namespace tessel
