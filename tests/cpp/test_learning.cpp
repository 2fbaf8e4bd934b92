// Learning on the real data: one epoch of the handout's per-sample SGD with the
// default settings over all 60,000 training images reaches ≥ 97% test accuracy.
// (The same network in PyTorch 1.13 — tests/interop/cnnlab_torch.py, cnnlab's Glorot
// initialisation, batch 1, λ 0.01 — reached 95.95%, 97.28% and 97.02% after one epoch
// for seeds 1, 2 and 3: the same range; the seeds draw different numbers there.)
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "mnist_fixture.h"
#include "network/model.h"

using namespace cnnlab;
using cnnlab::testing::mnist;

TEST(Learning, OneEpochDefaultSgdReaches97PercentOnTheTestSet) {
  const auto& train = mnist("train");
  const auto& test = mnist("t10k");
  ASSERT_EQ(train.count, 60000u);
  ASSERT_EQ(test.count, 10000u);
  Model m(Config{}, 1);
  m.set_training_data(train.images.data(), train.labels.data(), train.count);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = m.train(60000);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.status, TrainStatus::Done);  // the run is one epoch (the default)
  EXPECT_EQ(m.run().epoch, 1u);
  const auto e = m.evaluate(test.images.data(), test.labels.data(), test.count);
  std::printf("1 epoch, defaults (relu, average pooling, lr 0.01, batch 1, seed 1): "
              "train loss %.4f, test accuracy %.2f%%, %.0f samples/s\n",
              r.lossSum / r.samples, 100.0 * e.accuracy, r.samples / seconds);
  EXPECT_GE(e.accuracy, 0.97);
  int diagonal = 0, total = 0;
  for (int t = 0; t < 10; ++t)
    for (int p = 0; p < 10; ++p) {
      total += e.confusion[t * 10 + p];
      if (t == p) diagonal += e.confusion[t * 10 + p];
    }
  EXPECT_EQ(total, 10000);
  EXPECT_EQ(diagonal, int(e.accuracy * 10000 + 0.5));
}
