// safetensors I/O of ~100 MB of f32 tensors (a ResNet-50's worth), bytes/s of the file.
//  - Write: the whole atomic write (temporary file, write(), fsync, rename, directory fsync), so
//    the rate includes reaching the disk.
//  - Read: pread of a file in the page cache straight into the tensors, after header validation.
// Files go to $TESSEL_BENCH_DIR, else the system's temporary directory (say which in results:
// tmpfs and a disk differ by orders of magnitude on writes).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "bench/bench_util.h"
#include "nn/safetensors.h"

using namespace tessel;
using namespace tessel::nn;

namespace {

// 48 weights of 2 MiB and 48 biases of 2 KiB: 100.8 MB.
StateDict resnet_sized() {
  StateDict d;
  Generator g(0);
  for (int i = 0; i < 48; ++i) {
    d.insert("layer" + std::to_string(i) + ".weight", randn({512, 1024}, {}, &g));
    d.insert("layer" + std::to_string(i) + ".bias", randn({512}, {}, &g));
  }
  return d;
}

std::string bench_path() {
  const char* dir = std::getenv("TESSEL_BENCH_DIR");
  std::filesystem::path p =
      dir ? std::filesystem::path(dir) : std::filesystem::temp_directory_path();
  return (p / ("tessel_bench_" + std::to_string(::getpid()) + ".safetensors")).string();
}

void BM_SafetensorsWrite(benchmark::State& st) {
  StateDict d = resnet_sized();
  std::string path = bench_path();
  bench::run_cpu(st, [&] { write_safetensors(path, d); });
  bench::set_rates(st, double(std::filesystem::file_size(path)));
  std::filesystem::remove(path);
}

void BM_SafetensorsRead(benchmark::State& st) {
  std::string path = bench_path();
  write_safetensors(path, resnet_sized());
  bench::run_cpu(st, [&] { benchmark::DoNotOptimize(read_safetensors(path)); });
  bench::set_rates(st, double(std::filesystem::file_size(path)));
  std::filesystem::remove(path);
}

}  // namespace

BENCHMARK(BM_SafetensorsWrite)
    ->Name("safetensors_write/f32_100MB")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_SafetensorsRead)
    ->Name("safetensors_read/f32_100MB")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_MAIN();
