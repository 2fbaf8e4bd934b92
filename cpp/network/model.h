// The core's API: one object that owns a Network, trains it by SGD (handout p. 6)
// over a caller-owned dataset in resumable chunks, evaluates and predicts.
// The WASM bindings and the CLI use only this header (plus io/).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "network/network.h"
#include "network/rng.h"

namespace cnnlab {

struct TrainOptions {
  float learningRate = 0.01f;  // λ
  int batchSize = 1;           // 1 = the handout's per-sample SGD
  float momentum = 0.0f;       // v ← μv + Δθ; θ ← θ − λv   (0 = plain SGD)
  float lrDecay = 1.0f;        // λ multiplied by this at each new epoch (1 = off)
  bool shuffle = true;         // a new order each epoch, from the seed
};
// An empty string if usable, else what is wrong.
std::string validate(const TrainOptions& options);

enum class TrainStatus { Ok = 0, Diverged = 1, NoData = 2 };

struct ChunkResult {
  int samples = 0;        // samples processed in this chunk
  double lossSum = 0.0;   // Σ loss over those samples
  int correct = 0;        // how many were classified right before their update
  TrainStatus status = TrainStatus::Ok;
};

struct EvalResult {
  double meanLoss = 0.0;
  double accuracy = 0.0;
  int count = 0;
  std::array<int, 100> confusion{};  // [true label][predicted], row-major
};

class Model {
 public:
  Model(const Config& config, uint32_t seed, const TrainOptions& options = {});

  Network& network() { return net_; }
  const Config& config() const { return net_.config(); }
  uint32_t seed() const { return seed_; }
  const TrainOptions& options() const { return options_; }
  // Replaces the options (throws std::invalid_argument if invalid; then nothing
  // changes). Clears a Diverged status, so training can go on with a lower λ.
  void set_options(const TrainOptions& options);

  // The dataset is NOT copied: `images` (count·784 bytes) and `labels` (count
  // bytes, 0..9) must outlive training. Restarts at epoch 0 with the seed's order.
  // Throws std::invalid_argument on a null pointer, count 0 or a label > 9.
  void set_training_data(const uint8_t* images, const uint8_t* labels, size_t count);

  // Trains on the next `samples` samples of the epoch order, continuing exactly
  // where the previous call stopped (epochs roll over and reshuffle). Stops early,
  // with status Diverged, at a sample whose loss or update is not finite; the
  // parameters are then those from before that step and the position is rewound to
  // the start of that (mini-)batch.
  ChunkResult train(size_t samples);

  TrainStatus status() const { return status_; }
  const std::string& status_message() const { return statusMessage_; }
  size_t epoch() const { return epoch_; }             // completed epochs
  size_t position() const { return position_; }       // index in the epoch order
  uint64_t samples_seen() const { return samplesSeen_; }
  float current_learning_rate() const;

  EvalResult evaluate(const uint8_t* images, const uint8_t* labels, size_t count);

  // 10 probabilities for one image; the forward tensors are left in the network.
  const float* predict(const float* image784);
  const float* predict(const uint8_t* image784);

  // Forward + backward for one image and label without changing the parameters:
  // every tensor and the gradient buffer then describe this sample. Returns the loss.
  double trace(const float* image784, int label);

  // One SGD step θ ← θ − λ·Δθ on one image (for "teach it your digit" and the
  // trace tool); ignores batch and momentum. Returns the loss before the step, or
  // NaN (parameters unchanged) if the step is not finite.
  double step(const float* image784, int label, float learningRate);

  std::vector<float> get_params() const;
  // Throws std::invalid_argument on a wrong size or a non-finite value (then nothing
  // changes). Resets momentum and the Diverged status.
  void set_params(const float* values, size_t count);

 private:
  void start_epoch();
  // θ ← θ − λ·v with v = μv + scale·g (v = scale·g when μ = 0); false, and θ and v
  // unchanged, if any new value is not finite.
  bool apply_update(const float* g, float lr, float scale, float mu);

  Network net_;
  uint32_t seed_;
  TrainOptions options_;
  Rng shuffleRng_;
  const uint8_t* images_ = nullptr;
  const uint8_t* labels_ = nullptr;
  size_t count_ = 0;
  std::vector<uint32_t> order_;
  size_t epoch_ = 0, position_ = 0, batchStart_ = 0;
  uint64_t samplesSeen_ = 0, batchStartSeen_ = 0;
  int inBatch_ = 0;
  std::vector<float> gradSum_, velocity_, next_, nextVelocity_;
  TrainStatus status_ = TrainStatus::Ok;
  std::string statusMessage_;
};

}  // namespace cnnlab
