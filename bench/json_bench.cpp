// The JSON reader on a 50 MB safetensors header (385k tensor entries): time, and the heap it
// takes per byte of text, at its peak and once parsed, counted by this program's own operator
// new (every allocation of the parse goes through it). The reader refuses a document past 16
// bytes per byte (core/json.cpp); realistic headers should stay far below.
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "bench/bench_util.h"
#include "core/json.h"

namespace {

std::atomic<size_t> g_live{0}, g_peak{0};

void count(size_t bytes) {
  size_t live = g_live += bytes, peak = g_peak.load();
  while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {
  }
}

// A header of `entries` tensors the way PyTorch's writer lays it out (names like a SegFormer's).
std::string header(int entries) {
  std::string s = "{\"__metadata__\":{\"format\":\"pt\"}";
  int64_t begin = 0;
  for (int i = 0; i < entries; ++i) {
    const int64_t bytes = 4 * 64 * 64 * 3 * 3;
    s += ",\"decode_head.linear_fuse." + std::to_string(i) +
         ".block.attention.self.query.weight\":{\"dtype\":\"F32\",\"shape\":[64,64,3,3],"
         "\"data_offsets\":[" +
         std::to_string(begin) + "," + std::to_string(begin + bytes) + "]}";
    begin += bytes;
  }
  return s + "}";
}

void BM_JsonHeader50MB(benchmark::State& st) {
  const std::string text = header(385000);
  double peak_per_byte = 0, held_per_byte = 0;
  for (auto _ : st) {
    const size_t before = g_live.load();
    g_peak = before;
    tessel::Json doc = tessel::parse_json(text, "header");
    peak_per_byte = double(g_peak.load() - before) / double(text.size());
    held_per_byte = double(g_live.load() - before) / double(text.size());
    benchmark::DoNotOptimize(doc);
  }
  st.counters["header_MB"] = double(text.size()) / 1e6;
  st.counters["peak_heap_per_byte"] = peak_per_byte;
  st.counters["held_heap_per_byte"] = held_per_byte;
  tessel::bench::set_rates(st, double(text.size()));
}

}  // namespace

// Every allocation counted by its usable size, as malloc rounds it.
void* operator new(size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  count(malloc_usable_size(p));
  return p;
}
void operator delete(void* p) noexcept {
  if (p) g_live -= malloc_usable_size(p);
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  operator delete(p);
}

BENCHMARK(BM_JsonHeader50MB)
    ->Name("json_read/safetensors_header_50MB")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);
BENCHMARK_MAIN();
