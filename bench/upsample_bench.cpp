// Resampling a segmentation head's [N, 19, H/4, W/4] logits x4 to full resolution, forward and
// backward, and the nearest x4 of a u8 label map. The kernels are called directly so that the
// backward is timed alone, without autograd's accumulation into .grad.
//
// Bytes-moved floor, the "floor_bytes" counter and the basis of bytes/s: forward reads the input
// once and writes the output once; backward reads grad_out once and writes grad_in once. Both are
// (in + out) elements, 17 x the input for x4; the gathers reread neighbours through the caches.
#include "bench/bench_util.h"
#include "engine/dispatch.h"
#include "kernels/upsample.h"

using namespace tessel;
using namespace tessel::bench;
using kernels::Pass;

static void BM_upsample(benchmark::State& st, Pass pass, Device d, DType t) {
  if (d.is_cuda() && !has_cuda(st)) return;
  bool nearest = pass == Pass::Nearest || pass == Pass::NearestGrad;
  bool grad = pass == Pass::BilinearGrad || pass == Pass::NearestGrad;
  int64_t planes = st.range(0) * (nearest ? 1 : 19), h = st.range(1), w = 2 * h;
  kernels::Resample r{planes, {h, 4 * h, 0.25}, {w, 4 * w, 0.25}, false};
  Shape in{planes, h, w}, out{planes, 4 * h, 4 * w};
  Generator g(1);  // random data, not zeros: zeros can hide unwritten outputs and run faster
  Tensor src = (rand(grad ? out : in, {DType::F32, d}, &g) * 19.0).to(t);
  Tensor dst = empty(grad ? in : out, {t, d});
  auto fn = [&] {
    on_device(d, [&](const auto& ctx) {
      kernels::upsample(ctx, pass, r, t, dst.data_ptr(), src.data_ptr());
    });
  };
  d.is_cuda() ? run_cuda(st, fn) : run_cpu(st, fn);
  double floor_bytes = double(src.numel() + dst.numel()) * double(element_size(t));
  set_rates(st, floor_bytes);
  st.counters["floor_bytes"] = floor_bytes;
}

#define TESSEL_UPSAMPLE_BENCH(name, pass, device, dtype, n, h, unit)     \
  BENCHMARK_CAPTURE(BM_upsample, name, Pass::pass, device, DType::dtype) \
      ->Args({n, h})                                                     \
      ->Unit(benchmark::unit)

TESSEL_UPSAMPLE_BENCH(bilinear_cpu_f32, Bilinear, kCPU, F32, 1, 32, kMillisecond);
TESSEL_UPSAMPLE_BENCH(bilinear_backward_cpu_f32, BilinearGrad, kCPU, F32, 1, 32, kMillisecond);
TESSEL_UPSAMPLE_BENCH(nearest_cpu_u8, Nearest, kCPU, U8, 1, 128, kMillisecond);
TESSEL_UPSAMPLE_BENCH(bilinear_CUDA_f32, Bilinear, cuda_device(0), F32, 16, 128, kMicrosecond)
    ->UseManualTime();
TESSEL_UPSAMPLE_BENCH(bilinear_CUDA_bf16, Bilinear, cuda_device(0), BF16, 16, 128, kMicrosecond)
    ->UseManualTime();
TESSEL_UPSAMPLE_BENCH(bilinear_backward_CUDA_f32, BilinearGrad, cuda_device(0), F32, 16, 128,
                      kMicrosecond)
    ->UseManualTime();
TESSEL_UPSAMPLE_BENCH(bilinear_backward_CUDA_bf16, BilinearGrad, cuda_device(0), BF16, 16, 128,
                      kMicrosecond)
    ->UseManualTime();
TESSEL_UPSAMPLE_BENCH(nearest_CUDA_u8, Nearest, cuda_device(0), U8, 16, 128, kMicrosecond)
    ->UseManualTime();

BENCHMARK_MAIN();
