// The loader: one order per (seed, epoch) whatever the worker count, every index once per epoch,
// drop_last, resume, errors that reach the consumer with their file, skipping, shutdown.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <set>

#include "data/loader.h"
#include "engine/cuda/pinned.h"
#include "tests/op_harness.h"

namespace tessel::data {
namespace {

// Sample i: a 6x8 RGB image with pixel values made from i and the position, mask i % 5 with a
// stripe of 4s. The indices in `bad` fail to "decode", naming their file.
class TinyDataset : public Dataset {
 public:
  explicit TinyDataset(size_t n, std::set<size_t> bad = {}) : n_(n), bad_(std::move(bad)) {
    classes_.names = {"a", "b", "c", "d", "e"};
  }
  size_t size() const override { return n_; }
  const ClassInfo& classes() const override { return classes_; }
  Sample get(size_t i) const override {
    std::string path = "tiny/" + std::to_string(i) + ".png";
    TESSEL_CHECK(!bad_.count(i), "cannot decode ", path);
    Sample s;
    s.image = {6, 8, 3, 8, {}};
    s.mask = {6, 8, {}};
    for (int p = 0; p < 48; ++p) {
      for (int c = 0; c < 3; ++c) s.image.bytes.push_back(uint8_t(i * 11 + p * 3 + c));
      s.mask.labels.push_back(p % 8 < 2 ? 4 : uint8_t(i % 5));
    }
    s.image_path = path;
    s.mask_path = "tiny/" + std::to_string(i) + "_mask.png";
    return s;
  }

 private:
  size_t n_;
  std::set<size_t> bad_;
  ClassInfo classes_;
};

Pipeline augmenting() {
  return Pipeline::from_description(
      {{"crop", {{"size", "4,6"}}}, {"hflip", {}}, {"photometric", {}}, {"normalize", {}}});
}

struct Epoch {
  std::vector<int64_t> indices;
  std::vector<float> images;
  std::vector<int64_t> masks;
  int64_t batches = 0;
};

Epoch run_epoch(Loader& loader, int64_t epoch) {
  loader.start_epoch(epoch);
  Epoch e;
  while (auto b = loader.next()) {
    e.indices.insert(e.indices.end(), b->indices.begin(), b->indices.end());
    std::vector<float> im = b->images.to_vector<float>();
    std::vector<int64_t> m = b->masks.to_vector<int64_t>();
    e.images.insert(e.images.end(), im.begin(), im.end());
    e.masks.insert(e.masks.end(), m.begin(), m.end());
    ++e.batches;
  }
  return e;
}

LoaderOptions options(int64_t workers, int64_t batch = 4) {
  LoaderOptions o;
  o.batch_size = batch;
  o.workers = workers;
  o.seed = 42;
  o.drop_last = false;
  return o;
}

TEST(LoaderTest, SameOrderAndAugmentationWithOneOrThreeWorkers) {
  TinyDataset data(23);
  Loader one(data, augmenting(), options(1)), three(data, augmenting(), options(3));
  for (int64_t epoch : {0, 1}) {
    Epoch a = run_epoch(one, epoch), b = run_epoch(three, epoch);
    EXPECT_EQ(a.indices, b.indices);
    EXPECT_EQ(a.images, b.images);
    EXPECT_EQ(a.masks, b.masks);
  }
}

TEST(LoaderTest, EveryIndexOncePerEpochInANewOrder) {
  TinyDataset data(23);
  Loader loader(data, augmenting(), options(2));
  Epoch e0 = run_epoch(loader, 0), e1 = run_epoch(loader, 1);
  EXPECT_NE(e0.indices, e1.indices);
  std::vector<int64_t> all(23);
  std::iota(all.begin(), all.end(), 0);
  for (Epoch* e : {&e0, &e1}) {
    EXPECT_NE(e->indices, all);  // shuffled
    std::sort(e->indices.begin(), e->indices.end());
    EXPECT_EQ(e->indices, all);
  }
  EXPECT_EQ(run_epoch(loader, 0).indices, run_epoch(loader, 0).indices);
}

TEST(LoaderTest, DropLastAndBatchShapes) {
  TinyDataset data(10);
  LoaderOptions o = options(2);
  o.drop_last = true;
  Loader dropping(data, augmenting(), o);
  EXPECT_EQ(dropping.batches_per_epoch(), 2);
  Epoch e = run_epoch(dropping, 0);
  EXPECT_EQ(e.batches, 2);
  EXPECT_EQ(e.indices.size(), 8u);

  o.drop_last = false;
  o.mask_dtype = DType::I64;
  Loader keeping(data, augmenting(), o);
  keeping.start_epoch(0);
  std::vector<int64_t> sizes;
  while (auto b = keeping.next()) {
    sizes.push_back(b->images.size(0));
    EXPECT_EQ(b->images.sizes(), (Shape{b->images.size(0), 3, 4, 6}));
    EXPECT_EQ(b->masks.sizes(), (Shape{b->images.size(0), 4, 6}));
    EXPECT_EQ(b->masks.dtype(), DType::I64);
    EXPECT_EQ(b->paths[0], "tiny/" + std::to_string(b->indices[0]) + ".png");
  }
  EXPECT_EQ(sizes, (std::vector<int64_t>{4, 4, 2}));
}

TEST(LoaderTest, ResumeContinuesTheSameSequence) {
  TinyDataset data(30);
  Loader full(data, augmenting(), options(2, 3));
  Epoch whole = run_epoch(full, 5);

  Loader first(data, augmenting(), options(3, 3));
  first.start_epoch(5);
  for (int i = 0; i < 4; ++i) first.next();
  LoaderState s = first.state();
  EXPECT_EQ(s.epoch, 5);
  EXPECT_EQ(s.position, 4);

  Loader resumed(data, augmenting(), options(1, 3));
  resumed.resume(s.epoch, s.position);
  std::vector<int64_t> rest;
  std::vector<float> images;
  while (auto b = resumed.next()) {
    rest.insert(rest.end(), b->indices.begin(), b->indices.end());
    std::vector<float> im = b->images.to_vector<float>();
    images.insert(images.end(), im.begin(), im.end());
  }
  EXPECT_EQ(rest, std::vector<int64_t>(whole.indices.begin() + 12, whole.indices.end()));
  EXPECT_EQ(images,
            std::vector<float>(whole.images.end() - ptrdiff_t(images.size()), whole.images.end()));
  EXPECT_EQ(resumed.state().position, 10);
  EXPECT_ERROR(resumed.resume(5, 11), "position 11 outside the 10 batches");
}

// The distributed sampler: shards of one seeded epoch order, disjoint, covering it; padded so
// every rank steps equally in training, exact (no sample twice) for evaluation.
TEST(LoaderTest, DistributedShardsAreDisjointAndCoverTheEpoch) {
  TinyDataset data(23);
  const int64_t world = 3;
  Epoch single = run_epoch(*std::make_unique<Loader>(data, augmenting(), options(2)), 4);
  for (bool even : {true, false}) {
    std::vector<int64_t> seen;
    for (int64_t rank = 0; rank < world; ++rank) {
      LoaderOptions o = options(2);
      o.rank = rank;
      o.world_size = world;
      o.even_shards = even;
      Loader loader(data, augmenting(), o);
      Epoch e = run_epoch(loader, 4);
      EXPECT_EQ(int64_t(e.indices.size()), even ? 8 : (23 - rank + 2) / 3) << rank;
      EXPECT_EQ(loader.batches_per_epoch(), even ? 2 : int64_t(e.indices.size() + 3) / 4);
      // Rank r's k-th sample is position r + 3k of the single-process order (wrapping).
      for (size_t k = 0; k < e.indices.size(); ++k)
        EXPECT_EQ(e.indices[k], single.indices[(rank + 3 * k) % 23])
            << "rank " << rank << " k " << k;
      seen.insert(seen.end(), e.indices.begin(), e.indices.end());
    }
    std::sort(seen.begin(), seen.end());
    std::vector<int64_t> all(23);
    std::iota(all.begin(), all.end(), 0);
    if (!even) {
      EXPECT_EQ(seen, all);  // exactly once
    }
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    EXPECT_EQ(seen, all);  // padding repeats the first of the order, nothing is left out
  }
  LoaderOptions bad = options(2);
  bad.rank = 3;
  bad.world_size = 3;
  EXPECT_ERROR(Loader(data, augmenting(), bad), "rank 3 outside a world of 3");
}

TEST(LoaderTest, DistributedShardResumesMidEpoch) {
  TinyDataset data(31);
  LoaderOptions o = options(2, 2);
  o.rank = 1;
  o.world_size = 2;
  Loader full(data, augmenting(), o);
  Epoch whole = run_epoch(full, 2);
  Loader resumed(data, augmenting(), o);
  resumed.resume(2, 3);
  std::vector<int64_t> rest;
  while (auto b = resumed.next()) rest.insert(rest.end(), b->indices.begin(), b->indices.end());
  EXPECT_EQ(rest, std::vector<int64_t>(whole.indices.begin() + 6, whole.indices.end()));
}

TEST(LoaderTest, FailingSampleReachesTheConsumerWithItsFile) {
  TinyDataset data(40, {5});
  LoaderOptions o = options(3, 2);
  o.shuffle = false;
  Loader loader(data, augmenting(), o);
  loader.start_epoch(0);
  EXPECT_TRUE(loader.next().has_value());  // samples 0, 1
  EXPECT_TRUE(loader.next().has_value());  // 2, 3
  EXPECT_ERROR(loader.next(), "loader: sample 5: cannot decode tiny/5.png");
  EXPECT_ERROR(loader.next(), "cannot decode tiny/5.png");  // it stays failed
  EXPECT_EQ(loader.state().position, 2);
  // The destructor joins the workers that were reading ahead.
}

TEST(LoaderTest, AugmentationErrorNamesTheSamplesFiles) {
  TinyDataset data(4);
  LoaderOptions o = options(2, 2);
  o.shuffle = false;
  Loader loader(data, Pipeline::from_description({{"normalize", {{"mean", "1,2"}}}}), o);
  loader.start_epoch(0);
  EXPECT_ERROR(loader.next(), "loader: sample 0 (tiny/0.png, tiny/0_mask.png): normalize: 2 means");
}

TEST(LoaderTest, DestroyedMidEpoch) {
  TinyDataset data(200);
  LoaderOptions o = options(3, 2);
  o.prefetch = 8;
  for (int consumed : {0, 1, 5}) {
    Loader loader(data, augmenting(), o);
    loader.start_epoch(0);
    for (int i = 0; i < consumed; ++i) EXPECT_TRUE(loader.next().has_value());
  }
}

TEST(LoaderTest, SkipUnreadableCountsSkippedSamples) {
  TinyDataset data(10, {1, 3, 4, 5});
  LoaderOptions o = options(2, 3);
  o.shuffle = false;
  o.skip_unreadable = true;
  Loader loader(data, augmenting(), o);
  std::vector<std::vector<int64_t>> batches;
  loader.start_epoch(0);
  while (auto b = loader.next()) batches.push_back(b->indices);
  // Batch {3, 4, 5} lost every sample and is left out.
  EXPECT_EQ(batches, (std::vector<std::vector<int64_t>>{{0, 2}, {6, 7, 8}, {9}}));
  std::vector<std::string> skipped = loader.skipped();
  ASSERT_EQ(skipped.size(), 4u);
  EXPECT_NE(skipped[0].find("sample 1: cannot decode tiny/1.png"), std::string::npos) << skipped[0];
  EXPECT_NE(skipped[3].find("sample 5: cannot decode tiny/5.png"), std::string::npos) << skipped[3];
}

TEST(LoaderTest, PinnedBufferIsHostMemoryWithOrWithoutDevice) {
  cuda::PinnedBuffer b(1000);
  EXPECT_EQ(b.pinned(), cuda::is_available());
  std::memset(b.data(), 7, b.nbytes());
  cuda::PinnedBuffer moved = std::move(b);
  EXPECT_EQ(b.data(), nullptr);
  EXPECT_EQ(static_cast<uint8_t*>(moved.data())[999], 7);
}

TEST(LoaderTest, DeviceBatchesMatchCpu_CUDA) {
  TinyDataset data(20);
  LoaderOptions o = options(2, 4);
  Loader cpu(data, augmenting(), o);
  o.device = cuda_device(0);
  o.mask_dtype = DType::I64;
  Loader gpu(data, augmenting(), o);
  cpu.start_epoch(3);
  gpu.start_epoch(3);
  while (auto a = cpu.next()) {
    auto b = gpu.next();
    ASSERT_TRUE(b.has_value());
    EXPECT_TRUE(b->images.is_cuda());
    EXPECT_EQ(a->images.to_vector<float>(), b->images.to_vector<float>());
    EXPECT_EQ(a->masks.to_vector<int64_t>(), b->masks.to_vector<int64_t>());
  }
  EXPECT_FALSE(gpu.next().has_value());
}

}  // namespace
}  // namespace tessel::data
