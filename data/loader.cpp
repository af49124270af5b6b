#include "data/loader.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <iostream>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>

#include "core/error.h"
#include "data/staging_pool.h"
#include "engine/cuda/pinned.h"

namespace tessel::data {
namespace {

// Stream of the shuffle's generator: beyond any sample index, which are the samples' streams.
constexpr uint64_t kShuffleStream = ~uint64_t(0);

// How many samples rank `rank` of `world` gets of n (LoaderOptions' distributed sampler).
int64_t shard_size(int64_t n, const LoaderOptions& o) {
  if (o.world_size == 1) return n;
  return o.even_shards ? (n + o.world_size - 1) / o.world_size
                       : (n - o.rank + o.world_size - 1) / o.world_size;
}

std::vector<int64_t> epoch_order(int64_t n, int64_t epoch, const LoaderOptions& o) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  if (o.shuffle) {
    Rng rng(o.seed, uint64_t(epoch), kShuffleStream);
    for (int64_t i = n - 1; i > 0; --i)
      std::swap(order[size_t(i)], order[size_t(rng.randint(0, i + 1))]);
  }
  if (o.world_size == 1) return order;
  std::vector<int64_t> shard(static_cast<size_t>(shard_size(n, o)));
  for (size_t k = 0; k < shard.size(); ++k)  // wraps around only when padding
    shard[k] = order[size_t((o.rank + int64_t(k) * o.world_size) % n)];
  return shard;
}

std::string describe(int64_t index, const Sample* s) {
  std::string out = detail::str_cat("sample ", index);
  if (s && !s->image_path.empty()) out += " (" + s->image_path + ", " + s->mask_path + ")";
  return out;
}

// Host memory for batches, reused once the copy that last read it has finished.
using Pool = StagingPool<cuda::PinnedBuffer, cuda::CopyFence>;
using Staging = Pool::Staging;

// A batch collated on the host: CPU tensors for a CPU loader, a pinned buffer (images, then
// masks as u8) for a CUDA one; or the error that stopped it.
struct HostBatch {
  Shape shape;  // [B, C, H, W]
  Tensor images, masks;
  std::unique_ptr<Staging> staging;
  std::vector<std::string> paths;
  std::vector<int64_t> indices;
  std::vector<std::string> skipped;  // messages of the samples left out
  std::exception_ptr error;
};

}  // namespace

struct Loader::Impl {
  const Dataset& dataset;
  const Pipeline pipeline;
  const LoaderOptions o;

  std::vector<std::thread> workers;
  mutable std::mutex mutex;
  std::condition_variable work_cv, ready_cv;
  std::atomic<bool> stopping{false};
  bool started = false;
  int64_t epoch = 0, position = 0;  // the consumer's place
  int64_t next = 0, limit = 0;      // the next batch a worker takes; none at or past limit
  std::vector<int64_t> order;
  std::map<int64_t, HostBatch> ready;
  Pool staging_pool;
  std::vector<std::string> skipped;

  Impl(const Dataset& d, Pipeline p, LoaderOptions opts)
      : dataset(d), pipeline(std::move(p)), o(opts) {}

  int64_t batches() const {
    auto n = shard_size(int64_t(dataset.size()), o);
    return o.drop_last ? n / o.batch_size : (n + o.batch_size - 1) / o.batch_size;
  }

  void worker() {
    for (;;) {
      int64_t b;
      {
        std::unique_lock lock(mutex);
        work_cv.wait(lock,
                     [&] { return stopping || next >= limit || next < position + o.prefetch; });
        if (stopping || next >= limit) return;
        b = next++;
      }
      HostBatch hb;
      try {
        hb = produce(b);
      } catch (...) {
        hb.error = std::current_exception();
      }
      std::lock_guard lock(mutex);
      if (hb.error) limit = std::min(limit, b + 1);  // nothing after a failed batch is needed
      ready.emplace(b, std::move(hb));
      ready_cv.notify_all();
    }
  }

  // Reads, augments and collates batch b.
  HostBatch produce(int64_t b) {
    HostBatch hb;
    std::vector<Sample> samples;
    int64_t first = b * o.batch_size, end = std::min(first + o.batch_size, int64_t(order.size()));
    for (int64_t k = first; k < end && !stopping; ++k) {
      int64_t index = order[size_t(k)];
      Sample s;
      try {
        s = dataset.get(size_t(index));
        Rng rng(o.seed, uint64_t(epoch), uint64_t(index));
        pipeline.apply(s, rng);
      } catch (const std::exception& e) {
        std::string message = describe(index, &s) + ": " + e.what();
        if (!o.skip_unreadable) throw Error("loader: " + message);
        hb.skipped.push_back(message);
        continue;
      }
      hb.paths.push_back(s.image_path);
      hb.indices.push_back(index);
      samples.push_back(std::move(s));
    }
    if (samples.empty() || stopping) return hb;
    collate(samples, hb);
    return hb;
  }

  void collate(const std::vector<Sample>& samples, HostBatch& hb) {
    const Image& im = samples[0].image;
    for (size_t i = 1; i < samples.size(); ++i) {
      const Image& other = samples[i].image;
      TESSEL_CHECK(
          other.height == im.height && other.width == im.width && other.channels == im.channels,
          "loader: samples of one batch differ in size after augmentation: ",
          describe(hb.indices[0], &samples[0]), " is ", im.channels, "x", im.height, "x", im.width,
          ", ", describe(hb.indices[i], &samples[i]), " is ", other.channels, "x", other.height,
          "x", other.width, "; add a crop or resize to a fixed size");
    }
    auto n = int64_t(samples.size());
    hb.shape = {n, im.channels, im.height, im.width};
    size_t image_values = size_t(im.channels * im.pixels()), mask_bytes = size_t(im.pixels());
    float* images;
    uint8_t* masks;
    if (o.device.is_cpu()) {
      hb.images = empty(hb.shape);
      hb.masks = empty({n, im.height, im.width}, DType::U8);
      images = hb.images.data<float>(), masks = hb.masks.data<uint8_t>();
    } else {
      hb.staging = staging_pool.take(size_t(n) * (image_values * sizeof(float) + mask_bytes),
                                     [](size_t bytes) { return cuda::PinnedBuffer(bytes); });
      images = static_cast<float*>(hb.staging->buffer.data());
      masks = reinterpret_cast<uint8_t*>(images + size_t(n) * image_values);
    }
    for (size_t i = 0; i < samples.size(); ++i) {
      try {
        normalize_into(samples[i].image, pipeline.normalize(), images + i * image_values);
      } catch (const std::exception& e) {
        throw Error("loader: " + describe(hb.indices[i], &samples[i]) + ": " + e.what());
      }
      std::memcpy(masks + i * mask_bytes, samples[i].mask.labels.data(), mask_bytes);
    }
  }

  Batch to_device(HostBatch hb) {
    Batch out{hb.images, hb.masks, std::move(hb.paths), std::move(hb.indices)};
    if (o.device.is_cuda()) {
      Shape mask_shape{hb.shape[0], hb.shape[2], hb.shape[3]};
      out.images = empty(hb.shape, {DType::F32, o.device});
      out.masks = empty(mask_shape, {DType::U8, o.device});
      size_t image_bytes = size_t(out.images.numel()) * sizeof(float);
      auto* src = static_cast<const uint8_t*>(hb.staging->buffer.data());
      cuda::CopyRegion regions[] = {
          {out.images.data_ptr(), src, image_bytes},
          {out.masks.data_ptr(), src + image_bytes, size_t(out.masks.numel())}};
      hb.staging->fence = cuda::copy_to_device_async(o.device.index, regions);
      staging_pool.give_back(std::move(hb.staging));
    }
    // The widening runs on the compute stream, after the copy.
    if (o.mask_dtype != DType::U8) out.masks = out.masks.to(o.mask_dtype);
    return out;
  }

  void stop() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    work_cv.notify_all();
    for (std::thread& t : workers) t.join();
    workers.clear();
    ready.clear();
    stopping = false;
  }
};

Loader::Loader(const Dataset& dataset, Pipeline pipeline, LoaderOptions options)
    : impl_(std::make_unique<Impl>(dataset, std::move(pipeline), options)) {
  TESSEL_CHECK(options.batch_size > 0, "Loader: batch_size ", options.batch_size,
               " must be positive");
  TESSEL_CHECK(options.workers > 0, "Loader: workers ", options.workers, " must be positive");
  TESSEL_CHECK(options.prefetch > 0, "Loader: prefetch ", options.prefetch, " must be positive");
  TESSEL_CHECK(options.mask_dtype == DType::U8 || options.mask_dtype == DType::I64,
               "Loader: mask_dtype ", options.mask_dtype, " must be u8 or i64");
  TESSEL_CHECK(options.world_size > 0 && options.rank >= 0 && options.rank < options.world_size,
               "Loader: rank ", options.rank, " outside a world of ", options.world_size);
}

Loader::~Loader() {
  impl_->stop();
}

int64_t Loader::batches_per_epoch() const {
  return impl_->batches();
}

void Loader::resume(int64_t epoch, int64_t position) {
  Impl& m = *impl_;
  TESSEL_CHECK(epoch >= 0 && position >= 0 && position <= m.batches(), "Loader::resume: epoch ",
               epoch, " position ", position, " outside the ", m.batches(), " batches of an epoch");
  m.stop();
  m.order = epoch_order(int64_t(m.dataset.size()), epoch, m.o);
  m.epoch = epoch;
  m.position = m.next = position;
  m.limit = m.batches();
  m.started = true;
  for (int64_t i = 0; i < m.o.workers; ++i) m.workers.emplace_back([&m] { m.worker(); });
}

std::optional<Batch> Loader::next() {
  Impl& m = *impl_;
  TESSEL_CHECK(m.started, "Loader::next: call start_epoch() or resume() first");
  for (;;) {
    std::unique_lock lock(m.mutex);
    if (m.position >= m.batches()) return std::nullopt;
    m.ready_cv.wait(lock, [&] { return m.ready.count(m.position) > 0; });
    auto it = m.ready.find(m.position);
    // A failed batch stays where it is: every later call rethrows, and state() points at it.
    if (it->second.error) std::rethrow_exception(it->second.error);
    HostBatch hb = std::move(it->second);
    m.ready.erase(it);
    ++m.position;
    // Reported here rather than by the workers: in batch order, whatever their timing.
    for (const std::string& message : hb.skipped) {
      std::cerr << "tessel warning: loader skipped " + message + "\n";
      m.skipped.push_back(message);
    }
    lock.unlock();
    m.work_cv.notify_all();
    if (!hb.indices.empty()) return m.to_device(std::move(hb));
  }
}

LoaderState Loader::state() const {
  std::lock_guard lock(impl_->mutex);
  return {impl_->epoch, impl_->position};
}

std::vector<std::string> Loader::skipped() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->skipped;
}

}  // namespace tessel::data
