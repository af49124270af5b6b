// Decoding one 512x512 image on one thread, the loader's per-sample floor: a textured synthetic
// RGB image as PNG (libpng) and as JPEG (quality 90, libjpeg-turbo), and its mask as a palette PNG
// read as indices (libpng). Files are read from the page cache; images/s is the rate to compare with the
// training step's appetite.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "data/datasets.h"
#include "data/image_io.h"

using namespace tessel::data;

namespace {

// The files, written once to the temp dir.
struct Files {
  std::string png, jpeg, mask;
  Files() {
    auto dir = std::filesystem::temp_directory_path();
    Sample s = SyntheticDataset({.count = 1, .height = 512, .width = 512, .seed = 3}).get(0);
    png = (dir / "tessel_decode_bench.png").string();
    jpeg = (dir / "tessel_decode_bench.jpg").string();
    mask = (dir / "tessel_decode_bench_mask.png").string();
    write_png(png, s.image);
    write_jpeg(jpeg, s.image, 90);
    write_palette_png(mask, s.mask, voc_palette(6));
  }
};
const Files& files() {
  static const Files f;
  return f;
}

template <typename Decode>
void run(benchmark::State& st, const std::string& path, Decode decode) {
  decode(path);  // warm the page cache
  for (auto _ : st) benchmark::DoNotOptimize(decode(path));
  st.SetItemsProcessed(st.iterations());
  st.counters["file_KB"] = double(std::filesystem::file_size(path)) / 1e3;
}

void BM_decode_png_512(benchmark::State& st) {
  run(st, files().png, read_image);
}
void BM_decode_jpeg_512(benchmark::State& st) {
  run(st, files().jpeg, read_image);
}
void BM_decode_palette_mask_512(benchmark::State& st) {
  run(st, files().mask, [](const std::string& p) { return read_mask(p); });
}

}  // namespace

BENCHMARK(BM_decode_png_512)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_decode_jpeg_512)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_decode_palette_mask_512)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
