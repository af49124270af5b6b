// Edge targets for boundary-aware losses. A pixel is an edge pixel when some pixel of the k x k
// window around it (k odd, coordinates clamped to the image) has a different label. An ignored
// label compares like any other, so the border between a class and an ignored region is an edge
// on both sides: the same map as SuperGradients' target_to_binary_edge (dilation minus erosion
// of the one-hot target with replicate padding, where an ignored pixel is an all-zero one-hot).
// Clamping only repeats border pixels, and a repeated pixel cannot make a difference appear, so
// the window is simply cut at the image border.
#pragma once

#include <cstdint>

#include "core/context.h"
#include "core/dtype.h"

namespace tessel::kernels {

// Whether pixel (h, w) of one [H, W] label plane is an edge pixel for a k x k window.
template <typename L>
TESSEL_HD bool is_edge(const L* plane, int64_t height, int64_t width, int64_t h, int64_t w,
                       int64_t k) {
  int64_t r = k / 2;
  int64_t h0 = h > r ? h - r : 0, h1 = h + r < height ? h + r : height - 1;
  int64_t w0 = w > r ? w - r : 0, w1 = w + r < width ? w + r : width - 1;
  L centre = plane[h * width + w];
  for (int64_t i = h0; i <= h1; ++i)
    for (int64_t j = w0; j <= w1; ++j)
      if (plane[i * width + j] != centre) return true;
  return false;
}

// Integer label types accepted by the segmentation losses.
template <typename Fn>
decltype(auto) dispatch_labels(DType t, const char* what, Fn&& fn) {
  return dispatch_types<uint8_t, int32_t, int64_t>(t, what, static_cast<Fn&&>(fn));
}

// out[N, H, W] (u8, 0 or 1) from labels[N, H, W].
void edge_mask(const CpuContext&, DType labels_type, const void* labels, uint8_t* out, int64_t n,
               int64_t height, int64_t width, int64_t k);
void edge_mask(const CudaContext&, DType labels_type, const void* labels, uint8_t* out, int64_t n,
               int64_t height, int64_t width, int64_t k);

}  // namespace tessel::kernels
