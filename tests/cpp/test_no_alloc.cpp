// No heap allocation inside the per-sample loop: training (per-sample, mini-batch
// with momentum, with and without augmentation), data augmentation and prediction
// allocate nothing once the model, the data and the augmentation scratch are set.
// This file replaces the global operator new of the test binary with a counting one.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "augment/augment.h"
#include "mnist_fixture.h"
#include "network/model.h"

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace cnnlab;

TEST(NoAllocation, TrainingAndPredictionAllocateNothingPerSample) {
  const auto& train = cnnlab::testing::mnist("train");
  std::vector<float> image(kImageSize, 0.5f);
  for (int batch : {1, 32}) {
    TrainOptions o;
    o.batchSize = batch;
    o.momentum = batch == 1 ? 0.0f : 0.9f;
    o.epochs = 2;
    Model m(Config{}, 1, o);
    m.set_training_data(train.images.data(), train.labels.data(), 2000);
    m.train(10);
    const long before = allocations.load();
    const auto r = m.train(3000);  // crosses an epoch boundary (a reshuffle)
    for (int i = 0; i < 100; ++i) m.predict(image.data());
    EXPECT_EQ(r.status, TrainStatus::Ok);
    EXPECT_EQ(allocations.load() - before, 0) << "batch " << batch;
  }
}

// Model::train with augmentation on (every kind, some samples left as they are) and
// the cosine schedule, per-sample and mini-batch with momentum.
TEST(NoAllocation, AugmentedTrainingAllocatesNothingPerSample) {
  const auto& train = cnnlab::testing::mnist("train");
  for (int batch : {1, 16}) {
    TrainOptions o;
    o.batchSize = batch;
    o.momentum = batch == 1 ? 0.0f : 0.9f;
    o.epochs = 2;
    o.lrSchedule = LrSchedule::Cosine;
    o.augment = AugmentOptions::strong();
    o.augment.probability = 0.7f;
    Model m(Config{}, 1, o);
    m.set_training_data(train.images.data(), train.labels.data(), 2000);
    m.train(10);
    const long before = allocations.load();
    const auto r = m.train(3000);  // crosses an epoch boundary (a reshuffle)
    EXPECT_EQ(r.status, TrainStatus::Ok);
    EXPECT_EQ(allocations.load() - before, 0) << "batch " << batch;
  }
}

TEST(NoAllocation, AugmentationAllocatesNothingPerSample) {
  const auto& train = cnnlab::testing::mnist("train");
  auto scratch = std::make_unique<AugmentScratch>();
  std::vector<float> out(kImageSize);
  AugmentOptions everything = AugmentOptions::strong();
  everything.probability = 0.7f;
  Model m(Config{}, 1);
  const long before = allocations.load();
  for (const AugmentOptions& o : {AugmentOptions{}, AugmentOptions::mild(), everything})
    for (uint64_t i = 0; i < 500; ++i) {
      Rng rng = augment_rng(1, i);
      augment_image(out.data(), train.images.data() + i * kImageSize, o, rng, *scratch);
      m.step(out.data(), train.labels[i], 0.01f);  // and the augmented sample trained on
    }
  EXPECT_EQ(allocations.load() - before, 0);
}
