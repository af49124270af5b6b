// The loader: worker threads read (Dataset::get) and augment samples, collate them into batches
// and hand them to the consumer in a fixed order, a bounded number of batches ahead.
//
// Reproducible: the order of an epoch depends only on (seed, epoch), and sample i is augmented
// with Rng(seed, epoch, i), so the batches are the same whatever the number of workers or their
// timing. state() and resume() restart an epoch at any batch.
//
// On a CUDA device, batches are collated into pinned host memory and copied on the device's copy
// stream; the compute stream waits for the copy with an event (engine/cuda/pinned.h), so the
// tensors next() returns are ready for any op queued after it, and the copy of one batch
// overlaps the compute on the previous one. On the CPU the batch is collated into the tensors.
//
// A failing sample stops the epoch: next() rethrows its error, naming the sample and its file,
// and keeps doing so. With skip_unreadable it is instead left out of its batch, reported on
// stderr and counted by skipped(). The destructor stops and joins the workers at any point.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/augment.h"
#include "data/dataset.h"
#include "engine/tensor.h"

namespace tessel::data {

struct LoaderOptions {
  int64_t batch_size = 8;
  int64_t workers = 2;
  int64_t prefetch = 4;  // batches read ahead of the consumer (ready or in progress)
  bool shuffle = true;
  bool drop_last = true;  // leave out a last, smaller batch
  uint64_t seed = 0;
  bool skip_unreadable = false;
  Device device = kCPU;
  DType mask_dtype = DType::U8;  // or I64
  // The distributed sampler (torch's DistributedSampler): rank r of world_size takes positions
  // r, r + world_size, ... of the epoch's order, the same on every rank. even_shards pads the
  // order by wrapping around so every rank gets ceil(n / world_size) samples and all step
  // equally (training); without it each sample is in exactly one shard (evaluation).
  int64_t rank = 0;
  int64_t world_size = 1;
  bool even_shards = true;
};

struct Batch {
  Tensor images;                   // [B, C, H, W] f32, normalised
  Tensor masks;                    // [B, H, W] u8 or i64
  std::vector<std::string> paths;  // image file of each sample (empty for generated ones)
  std::vector<int64_t> indices;    // dataset index of each sample
};

struct LoaderState {
  int64_t epoch = 0;
  int64_t position = 0;  // batches of the epoch handed out so far
};

class Loader {
 public:
  // `dataset` must outlive the loader.
  Loader(const Dataset& dataset, Pipeline pipeline, LoaderOptions options);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  int64_t batches_per_epoch() const;
  void start_epoch(int64_t epoch) { resume(epoch, 0); }
  // Continues `epoch` from batch `position` (as state() reported it).
  void resume(int64_t epoch, int64_t position);
  // The next batch of the epoch, or nothing at its end.
  std::optional<Batch> next();
  LoaderState state() const;
  // Messages of the samples left out so far (skip_unreadable).
  std::vector<std::string> skipped() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessel::data
