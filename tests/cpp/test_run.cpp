// The run state the core owns: a checkpoint (θ + run state) restores a run bit for
// bit, through the byte format too; the run ends after its epochs; divergence is
// caught by the one rule (model.h); a chunk says which sample it trained last.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "io/checkpoint.h"
#include "mnist_fixture.h"
#include "run_test_util.h"
#include "network/model.h"

using namespace cnnlab;
using cnnlab::testing::mnist;

using cnnlab::testing::bit_identical;
using cnnlab::testing::expect_same_run;

namespace {

Model trained(const TrainOptions& o, size_t count, const std::vector<size_t>& chunks, uint32_t seed = 4) {
  const auto& d = mnist("train");
  Model m(Config{}, seed, o);
  m.set_training_data(d.images.data(), d.labels.data(), count);
  for (size_t c : chunks) EXPECT_NE(m.train(c).status, TrainStatus::Diverged);
  return m;
}


}  // namespace

// A run interrupted at sample k and restored from its checkpoint (as bytes) into a
// fresh model ends with the same bits as the run that never stopped: mid-epoch,
// mid-mini-batch, across epoch ends, with momentum and λ decay.
TEST(RunState, CheckpointRestoresTheRunBitForBit) {
  struct Case { int batch; float momentum, decay; size_t stopAt; };
  for (const Case& k : {Case{1, 0.0f, 1.0f, 777}, Case{1, 0.0f, 0.5f, 1500}, Case{32, 0.9f, 0.5f, 1041},
                        Case{32, 0.9f, 0.7f, 2000}, Case{8, 0.5f, 1.0f, 1203}}) {
    TrainOptions o;
    o.batchSize = k.batch;
    o.momentum = k.momentum;
    o.lrDecay = k.decay;
    o.epochs = 3;
    const size_t total = 2600, count = 1000;  // three epochs' worth, the last one partial
    Model whole = trained(o, count, {total});
    Model first = trained(o, count, {k.stopAt});
    const std::vector<uint8_t> bytes = checkpoint_to_bytes(first.checkpoint());
    const Checkpoint restored = checkpoint_from_bytes(bytes.data(), bytes.size());
    const auto& d = mnist("train");
    Model second(restored.config, restored.seed, restored.options);
    second.set_training_data(d.images.data(), d.labels.data(), count);
    second.restore(restored);
    EXPECT_EQ(second.run().samplesSeen, k.stopAt);
    EXPECT_EQ(second.train(total - k.stopAt).samples, int(total - k.stopAt));
    SCOPED_TRACE("batch " + std::to_string(k.batch) + ", stop at " + std::to_string(k.stopAt));
    expect_same_run(whole, second);
  }
}

TEST(RunState, RestoreRefusesACheckpointThatDoesNotFit) {
  const auto& d = mnist("train");
  TrainOptions o;
  Model a = trained(o, 500, {120});
  const Checkpoint c = a.checkpoint();
  Model otherSeed(Config{}, 5, o);
  otherSeed.set_training_data(d.images.data(), d.labels.data(), 500);
  EXPECT_THROW(otherSeed.restore(c), std::invalid_argument);
  Model otherCount(Config{}, 4, o);
  otherCount.set_training_data(d.images.data(), d.labels.data(), 600);
  EXPECT_THROW(otherCount.restore(c), std::invalid_argument);
  Config maxPool;
  maxPool.pooling = Pooling::Max;
  Model otherConfig(maxPool, 4, o);
  otherConfig.set_training_data(d.images.data(), d.labels.data(), 500);
  EXPECT_THROW(otherConfig.restore(c), std::invalid_argument);
  Model noData(Config{}, 4, o);
  EXPECT_THROW(noData.restore(c), std::invalid_argument);
  // Corrupt bytes are refused with a reason.
  std::vector<uint8_t> bytes = checkpoint_to_bytes(c);
  bytes[2000] ^= 1;
  try {
    checkpoint_from_bytes(bytes.data(), bytes.size());
    FAIL() << "a corrupt checkpoint was accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
  EXPECT_THROW(checkpoint_from_bytes(bytes.data(), 100), FormatError);
}

// The run's length is the core's: training stops after the last epoch (Done), and
// raising the epochs goes on exactly as a longer run would have.
TEST(RunState, TheRunEndsAfterItsEpochsAndGoesOnWhenRaised) {
  TrainOptions one;
  one.epochs = 1;
  Model m = trained(one, 300, {});
  ChunkResult r = m.train(1000);
  EXPECT_EQ(r.status, TrainStatus::Done);
  EXPECT_EQ(r.samples, 300);
  EXPECT_EQ(m.train(10).samples, 0);
  TrainOptions two = one;
  two.epochs = 2;
  m.set_options(two);
  EXPECT_EQ(m.status(), TrainStatus::Ok);
  EXPECT_EQ(m.train(1000).samples, 300);
  Model straight = trained(two, 300, {600});
  expect_same_run(m, straight);
}

TEST(RunState, AChunkSaysWhichSampleItTrainedLast) {
  const auto& d = mnist("train");
  TrainOptions o;
  o.shuffle = false;
  Model m(Config{}, 1, o);
  m.set_training_data(d.images.data(), d.labels.data(), 200);
  const ChunkResult r = m.train(37);
  EXPECT_EQ(r.lastIndex, 36);
  EXPECT_EQ(r.lastLabel, int(d.labels[36]));
}

TEST(Evaluate, PerImageResultsMatchPredict) {
  const auto& test = mnist("t10k");
  Model m(Config{}, 2);
  std::vector<uint8_t> predictions(50);
  std::vector<float> probs(500);
  const EvalResult e = m.evaluate(test.images.data(), test.labels.data(), 50, predictions.data(), probs.data());
  int correct = 0;
  for (int i = 0; i < 50; ++i) {
    const float* p = m.predict(test.images.data() + size_t(i) * kImageSize);
    EXPECT_EQ(std::memcmp(p, probs.data() + 10 * i, 40), 0) << i;
    EXPECT_EQ(predictions[i], m.network().predicted_class()) << i;
    correct += predictions[i] == test.labels[i];
  }
  EXPECT_EQ(e.correct, correct);
}

// The divergence rule on real data: each clause, and λ values a student might try.
TEST(Divergence, TheRuleCatchesEveryWayTrainingBlowsUp) {
  struct Case { float lr; Activation f; size_t count; Divergence expected; };
  for (const Case& k : {Case{1e9f, Activation::ReLU, 60000, Divergence::WeightBlowUp},
                        Case{1e13f, Activation::ReLU, 60000, Divergence::WeightBlowUp},
                        Case{100.0f, Activation::ReLU, 60000, Divergence::WeightBlowUp},
                        Case{10.0f, Activation::ReLU, 10000, Divergence::WeightBlowUp},
                        Case{1.0f, Activation::Tanh, 10000, Divergence::ExplodingLoss}}) {
    TrainOptions o;
    o.learningRate = k.lr;
    const auto& d = mnist("train");
    Config c;
    c.activation = k.f;
    Model m(c, 4, o);
    m.set_training_data(d.images.data(), d.labels.data(), k.count);
    const auto before = m.get_params();
    const ChunkResult r = m.train(k.count);
    std::printf("λ = %g, %s, on %zu images: %s after %llu samples: %s\n", double(k.lr), to_string(k.f), k.count,
                to_string(m.divergence()), (unsigned long long)m.run().samplesSeen, m.status_message().c_str());
    EXPECT_EQ(r.status, TrainStatus::Diverged) << "λ = " << k.lr;
    EXPECT_EQ(m.divergence(), k.expected) << "λ = " << k.lr;
    for (float v : m.get_params()) ASSERT_TRUE(std::isfinite(v) && std::fabs(v) <= kWeightBound);
    if (k.expected == Divergence::ExplodingLoss) EXPECT_GT(m.recent_loss(), kExplodingLoss);
    if (m.run().samplesSeen == 0) EXPECT_TRUE(bit_identical(before, m.get_params()));  // the first step was refused
  }
  // Sensible λ never trips it.
  for (float lr : {0.001f, 0.01f, 0.1f}) {
    TrainOptions o;
    o.learningRate = lr;
    Model m = trained(o, 10000, {});
    EXPECT_EQ(m.train(10000).status, TrainStatus::Done) << "λ = " << lr << ": " << m.status_message();
  }
}
