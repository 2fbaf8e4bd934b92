// The core's API: one object that owns a Network and its training run — SGD
// (handout p. 6) over a caller-owned dataset in resumable chunks — and evaluates and
// predicts. The run's state lives here and only here: the CLI, the bindings, the
// worker and the page read it, and a checkpoint (θ plus the run state) restores it
// bit for bit.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "augment/augment.h"
#include "network/dataset.h"
#include "network/network.h"
#include "network/rng.h"

namespace cnnlab {

// How λ changes within the run, on top of lrDecay's factor per epoch:
//   constant: every step of an epoch uses λ_e = λ₀·decay^e (the handout's λ when
//             decay is 1);
//   cosine:   the step whose mini-batch starts after t of the run's T samples
//             (T = epochs × training images) uses λ_e·½(1 + cos(π·t/T)), from λ_e at
//             the start down towards 0 at the end (detmath's cos: the same bits in
//             WebAssembly).
enum class LrSchedule { Constant = 0, Cosine = 1 };
inline constexpr LrSchedule kLrSchedules[] = {LrSchedule::Constant, LrSchedule::Cosine};
const char* to_string(LrSchedule s);
std::optional<LrSchedule> parse_lr_schedule(const std::string& s);
// The schedule's factor for the step after t of T samples: ½(1 + cos(π·t/T)) for
// cosine (t beyond T counts as T), 1 for constant. In double precision.
double schedule_factor(LrSchedule s, uint64_t t, uint64_t T);

struct TrainOptions {
  float learningRate = 0.01f;  // λ
  int batchSize = 1;           // 1 = the handout's per-sample SGD
  float momentum = 0.0f;       // v ← μv + Δθ; θ ← θ − λv   (0 = plain SGD)
  float lrDecay = 1.0f;        // λ multiplied by this at each new epoch (1 = off)
  int epochs = 1;              // the run's length: training stops after the last one
  bool shuffle = true;         // a new order each epoch, from the seed
  LrSchedule lrSchedule = LrSchedule::Constant;
  // Each training sample is augmented (augment/augment.h) with the Rng
  // augment_rng(seed, number of the sample in the run) when this is enabled();
  // off by default (the sample's bytes / 255, as without it).
  AugmentOptions augment;
  bool operator==(const TrainOptions&) const = default;
};
// An empty string if usable, else what is wrong (ranges: config.h, limits).
std::string validate(const TrainOptions& options);

// ---- divergence ----
// The rule, in one sentence: training has DIVERGED when the loss or a weight blows
// up — a loss that is not a finite number, a weight that is not finite or larger
// than 1,000 in size, or a mean loss over the last 100 samples above 10·ln 10 ≈ 23
// (ten times the loss of a network that guesses at random).
inline constexpr int kLossWindow = 100;
inline constexpr double kExplodingLoss = 23.025850929940457;  // 10 · ln 10
inline constexpr float kWeightBound = 1000.0f;

enum class TrainStatus { Ok = 0, Diverged = 1, NoData = 2, Done = 3 };
enum class Divergence {
  None = 0,
  LossNotFinite = 1,   // θ as before that sample's step
  WeightBlowUp = 2,    // an update would make a weight non-finite or > 1,000: refused, θ as before it
  ExplodingLoss = 3,   // the last 100 samples' mean loss > 10·ln 10: θ is already ruined
};
const char* to_string(TrainStatus s);
const char* to_string(Divergence d);

struct ChunkResult {
  int samples = 0;        // samples processed in this chunk
  double lossSum = 0.0;   // Σ loss over those samples
  int correct = 0;        // how many were classified right before their update
  TrainStatus status = TrainStatus::Ok;
  int lastIndex = -1;     // dataset index of the last sample trained (-1: none)
  int lastLabel = -1;     // its label
};

struct EvalResult {
  double meanLoss = 0.0;
  double accuracy = 0.0;
  int count = 0;
  int correct = 0;
  std::array<int, 100> confusion{};  // [true label][predicted], row-major
};

// Where a run is: everything besides θ that the next steps depend on. Restoring a
// checkpoint (θ + this) continues exactly as if nothing had happened.
struct RunState {
  uint64_t trainCount = 0;     // training images the run uses (the first N of the set)
  uint64_t epoch = 0;          // completed epochs
  uint64_t position = 0;       // samples done in this epoch (index into its order)
  uint64_t samplesSeen = 0;    // since the run started
  uint64_t epochRngState = 0;  // the shuffle generator before this epoch's shuffle
  float learningRate = 0.0f;   // λ_e of this epoch (after decay; before the schedule's factor)
  uint32_t inBatch = 0;        // samples of the current mini-batch summed in gradSum
  // The losses of the last kLossWindow samples (a ring; `recentCount` filled, next at `recentHead`).
  std::array<double, kLossWindow> recentLoss{};
  uint32_t recentCount = 0, recentHead = 0;
  std::vector<float> velocity;  // momentum v (zeros without momentum)
  std::vector<float> gradSum;   // Σ Δθ of the partial mini-batch
};

// The run at a glance, for the page and the CLI (counts as doubles: JavaScript's numbers).
struct RunProgress {
  double trainCount = 0, epoch = 0, position = 0, samplesSeen = 0;
  double learningRate = 0;  // λ of the next step (λ_e times the schedule's factor)
  double recentLoss = 0;    // mean of the last kLossWindow losses (NaN before any)
  TrainStatus status = TrainStatus::NoData;
  Divergence divergence = Divergence::None;
  std::string message;      // plain words ("" when nothing happened)
};

// The mean loss of the run's last kLossWindow samples (fewer at the start; NaN if none).
double recent_loss(const RunState& run);

// Everything needed to go on with a run: the network, its options and seed, θ and
// the run state. (io/checkpoint.h reads and writes it as bytes.)
struct Checkpoint {
  Config config;
  uint32_t seed = 0;
  TrainOptions options;
  RunState run;
  std::vector<float> params;
};

class Model {
 public:
  // Throws std::invalid_argument on an invalid config or options.
  Model(const Config& config, uint32_t seed, const TrainOptions& options = {});

  Network& network() { return net_; }
  const Config& config() const { return net_.config(); }
  uint32_t seed() const { return seed_; }
  const TrainOptions& options() const { return options_; }
  // Replaces the options (throws std::invalid_argument if invalid; then nothing
  // changes). λ of this epoch becomes the new λ × decay^epochs done. Clears a
  // Diverged status, so training can go on with a lower λ.
  void set_options(const TrainOptions& options);

  // The dataset is NOT copied: `images` (count·784 bytes) and `labels` (count
  // bytes, 0..9) must outlive training. Starts a new run at epoch 0 with the seed's
  // order. Throws std::invalid_argument on a null pointer, a count outside the
  // trainSize limit's range or a label > 9.
  void set_training_data(const uint8_t* images, const uint8_t* labels, size_t count);
  // The same on the first `count` images of a Dataset, which the model keeps alive
  // (shared ownership) for as long as it trains on it.
  void set_training_data(std::shared_ptr<const Dataset> data, size_t count);

  // Trains on the next `samples` samples of the run, continuing exactly where the
  // previous call stopped (epochs roll over and reshuffle). Stops early at the end
  // of the last epoch (status Done) or when training diverges (status Diverged; see
  // the rule above and divergence()).
  ChunkResult train(size_t samples);

  TrainStatus status() const { return status_; }
  Divergence divergence() const { return divergence_; }
  // Plain words for the page and the CLI ("" when nothing happened).
  const std::string& status_message() const { return statusMessage_; }
  const RunState& run() const { return run_; }
  RunProgress progress() const;
  double recent_loss() const { return cnnlab::recent_loss(run_); }
  // λ of the next update: λ_e of this epoch times the schedule's factor for the
  // samples of the run done before the current mini-batch.
  float current_learning_rate() const;

  // θ plus the run state. Restoring needs a model of the same config and seed whose
  // training data (the same images, the same count) is set; it replaces θ, the
  // options and the run state, and clears any status. Throws std::invalid_argument
  // if the checkpoint does not fit (then nothing changes).
  Checkpoint checkpoint() const;
  void restore(const Checkpoint& checkpoint);

  // Per image, optional: predictions[i] = the predicted digit, probs[10·i + k] = S_k.
  EvalResult evaluate(const uint8_t* images, const uint8_t* labels, size_t count,
                      uint8_t* predictions = nullptr, float* probs = nullptr);
  // The images [start, start + count) of a Dataset (throws std::invalid_argument outside it).
  EvalResult evaluate(const Dataset& data, size_t start, size_t count,
                      uint8_t* predictions = nullptr, float* probs = nullptr);

  // 10 probabilities for one image; the forward tensors are left in the network.
  const float* predict(const float* image784);
  const float* predict(const uint8_t* image784);

  // Forward + backward for one image and label without changing the parameters:
  // every tensor and the gradient buffer then describe this sample. Returns the loss.
  double trace(const float* image784, int label);

  // One SGD step θ ← θ − λ·Δθ on one image (for "teach it your digit" and the
  // trace tool); ignores batch, momentum and the run. Returns the loss before the
  // step, or NaN (parameters unchanged) if the step would blow a weight up.
  double step(const float* image784, int label, float learningRate);

  // "Why this answer": out784 ← ∂S_k/∂I for one image (Network::saliency: the
  // handout's backprop carried one step further, to the input). The network's
  // tensors then describe this pass. Throws std::invalid_argument for k outside 0..9.
  void saliency(float* out784, const float* image784, int k);

  // out[i·H + h] ← a₁ of image start + i of `data`, i < count (H = hidden), for
  // nearest neighbours by a₁ distance. Throws std::invalid_argument outside the
  // dataset or for a count outside limits::hiddenActivationsCount.
  void hidden_activations(float* out, const Dataset& data, size_t start, size_t count);

  // "What the network trains on": out[j·784 ..] ← version j < count of image `index`
  // of `data`, augmented with the run's options (the image / 255 when they are off).
  // Version j draws from augment_rng(seed ^ kPreviewSalt, index·64 + j): the same
  // pictures for the same seed, image and options, and each version's draw scales
  // with the amounts (a slider moves it smoothly). Throws std::invalid_argument
  // outside the dataset or for a count outside limits::augmentPreviewCount.
  static constexpr uint64_t kPreviewSalt = 0x5851F42D4C957F2Dull;
  void augment_preview(float* out, const Dataset& data, size_t index, size_t count);

  std::vector<float> get_params() const;
  // Throws std::invalid_argument on a wrong size or a non-finite value (then nothing
  // changes). Resets momentum, a partial mini-batch and the Diverged status.
  void set_params(const float* values, size_t count);

 private:
  void start_epoch();
  void refresh_status();
  void diverge(Divergence why, ChunkResult& r);
  // θ ← θ − λ·v with v = μv + scale·g (v = scale·g when μ = 0); false, and θ and v
  // unchanged, if any new value is not finite or beyond kWeightBound.
  bool apply_update(const float* g, float lr, float scale, float mu);

  // The T of the schedule: samples in the whole run.
  uint64_t run_samples() const { return uint64_t(options_.epochs) * run_.trainCount; }

  Network net_;
  uint32_t seed_;
  TrainOptions options_;
  // The augmented sample (784 floats) and augment_image's working memory, allocated
  // once with the model: the per-sample loop allocates nothing.
  std::vector<float> augmented_;
  std::unique_ptr<AugmentScratch> augmentScratch_;
  RunState run_;
  Rng shuffleRng_;
  const uint8_t* images_ = nullptr;
  const uint8_t* labels_ = nullptr;
  std::shared_ptr<const Dataset> dataOwner_;
  std::vector<uint32_t> order_;
  std::vector<float> next_, nextVelocity_;
  TrainStatus status_ = TrainStatus::NoData;
  Divergence divergence_ = Divergence::None;
  std::string statusMessage_;
};

}  // namespace cnnlab
