// Input pipeline throughput, without decoding: how many 512x512 training samples one thread
// augments per second (each step alone, then mmseg's usual recipe), and the whole loader over an
// in-memory dataset with 1 and 2 workers. A GPU consuming ~50 images/s at 512x512 needs the
// loader to keep up with that on the CPU cores it is given.
#include <benchmark/benchmark.h>

#include <vector>

#include "data/augment.h"
#include "data/loader.h"

using namespace tessel;
using namespace tessel::data;

namespace {

// A noisy RGB photo stand-in and a blocky mask, as a decoder would hand them over.
Sample random_sample(int64_t h, int64_t w, uint64_t seed) {
  Rng rng(seed, 0, 0);
  Sample s;
  s.image = {h, w, 3, 8, std::vector<uint8_t>(size_t(h * w * 3))};
  s.mask = {h, w, std::vector<uint8_t>(size_t(h * w))};
  for (uint8_t& b : s.image.bytes) b = uint8_t(rng.next_u32());
  for (int64_t i = 0; i < h * w; ++i) s.mask.labels[size_t(i)] = uint8_t((i / 64 + i / w) % 19);
  return s;
}

const std::vector<Step> kRecipe = {
    {"resize", {{"scale", "0.5,2.0"}}},
    {"crop", {{"size", "512,512"}, {"cat_max_ratio", "0.75"}}},
    {"hflip", {}},
    {"photometric", {}},
    {"normalize", {{"mean", "123.675,116.28,103.53"}, {"std", "58.395,57.12,57.375"}}}};

// One thread: copy the decoded sample, augment, normalise to CHW floats.
void BM_augment(benchmark::State& st, std::vector<Step> steps) {
  Pipeline p = Pipeline::from_description(steps);
  Sample source = random_sample(512, 512, 1);
  std::vector<float> chw(size_t(3 * 1024 * 1024));
  uint64_t i = 0;
  for (auto _ : st) {
    Sample s = source;
    Rng rng(0, 0, i++);
    p.apply(s, rng);
    normalize_into(s.image, p.normalize(), chw.data());
    benchmark::DoNotOptimize(chw.data());
  }
  st.SetItemsProcessed(int64_t(st.iterations()));
}

class MemoryDataset : public Dataset {
 public:
  explicit MemoryDataset(size_t n) {
    for (size_t i = 0; i < n; ++i) samples_.push_back(random_sample(512, 512, i));
  }
  size_t size() const override { return samples_.size(); }
  Sample get(size_t i) const override { return samples_[i]; }
  const ClassInfo& classes() const override { return classes_; }

 private:
  std::vector<Sample> samples_;
  ClassInfo classes_;
};

// One epoch of 32 samples in batches of 8 per iteration.
void BM_loader(benchmark::State& st) {
  static const MemoryDataset data(32);
  LoaderOptions o;
  o.batch_size = 8;
  o.workers = st.range(0);
  Loader loader(data, Pipeline::from_description(kRecipe), o);
  int64_t epoch = 0;
  for (auto _ : st) {
    loader.start_epoch(epoch++);
    while (auto b = loader.next()) benchmark::DoNotOptimize(b->images.data_ptr());
  }
  st.SetItemsProcessed(int64_t(st.iterations()) * 32);
}

}  // namespace

BENCHMARK_CAPTURE(BM_augment, resize_0_5_to_2, std::vector<Step>{kRecipe[0]})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_augment, rotate, std::vector<Step>{{"rotate", {{"p", "1"}}}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_augment, photometric, std::vector<Step>{kRecipe[3]})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_augment, blur_k5, std::vector<Step>{{"blur", {{"p", "1"}}}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_augment, normalize_only, std::vector<Step>{kRecipe[4]})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_augment, recipe, kRecipe)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_loader)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
