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
// PyTorch's max_unpool2d: x and indices [N, C, h, w] (or [C, h, w]), the indices made by
// max_pool2d_with_indices with this kernel, stride and padding (dilation 1); the output is zero
// except x at the indices, H x W = output_size or by default ((h - 1) * stride - 2 * padding +
// kernel), which may differ from the default by less than the stride (an odd input the pooling
// floored). Where overlapping windows named one pixel twice the later value wins, as on
// PyTorch's CPU, and both get its gradient. An index outside its window is an error on the CPU;
// on CUDA (no host sync) it writes nothing and gets no gradient.
Tensor max_unpool2d(const Tensor& x, const Tensor& indices, Size2 kernel, Size2 stride = {0, 0},
                    Size2 padding = {0, 0}, Size2 output_size = {0, 0});
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride = {0, 0}, Size2 padding = {0, 0},
                  bool ceil_mode = false, bool count_include_pad = true);
// Output pixel i averages input rows [floor(i * H / out), ceil((i + 1) * H / out)), likewise
// columns.
Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size);

}  // namespace tessel
