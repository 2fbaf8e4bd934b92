#include "network/model.h"

#include "kernels/vec8.h"
#include "layers/detmath.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace cnnlab {

namespace {

std::string check(const Limit& limit, const char* what, double v) {
  return within(limit, v) ? std::string() : out_of_range(limit, what, format_number(v));
}

const Config& checked(const Config& c) {
  if (auto e = validate(c); !e.empty()) throw std::invalid_argument(e);
  return c;
}

constexpr uint64_t kShuffleSalt = 0xD1B54A32D192ED03ull;

// True if every value v satisfies −bound ≤ v ≤ bound (false for NaN and ±∞).
// Explicit 8-lane compares: the same decision on every platform.
bool all_within(const float* p, size_t n, float bound) {
  typedef int i32x8 __attribute__((vector_size(32)));
  const f32x8 hi = splat8(bound), lo = splat8(-bound);
  i32x8 ok = i32x8{-1, -1, -1, -1, -1, -1, -1, -1};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const f32x8 v = load8(p + i);
    ok &= (v <= hi) & (v >= lo);
  }
  bool all = true;
  for (int k = 0; k < 8; ++k) all = all && ok[k] != 0;
  for (; i < n; ++i) all = all && p[i] <= bound && p[i] >= -bound;
  return all;
}

}  // namespace

std::string validate(const TrainOptions& o) {
  std::string e;
  if (e = check(limits::learningRate, "the learning rate λ", o.learningRate); !e.empty()) {
    if (o.learningRate == 0.0f) e += " (a value this small rounds to 0 in single precision)";
    return e;
  }
  if (e = check(limits::batchSize, "the batch size", o.batchSize); !e.empty()) return e;
  if (e = check(limits::momentum, "the momentum", o.momentum); !e.empty()) return e;
  if (e = check(limits::lrDecay, "the learning-rate decay", o.lrDecay); !e.empty()) return e;
  if (e = check(limits::epochs, "epochs", o.epochs); !e.empty()) return e;
  if (o.lrSchedule != LrSchedule::Constant && o.lrSchedule != LrSchedule::Cosine)
    return "unknown learning-rate schedule (constant or cosine)";
  if (e = validate(o.augment); !e.empty()) return "augmentation: " + e;
  return {};
}

const char* to_string(LrSchedule s) { return s == LrSchedule::Cosine ? "cosine" : "constant"; }

std::optional<LrSchedule> parse_lr_schedule(const std::string& s) {
  for (LrSchedule v : kLrSchedules)
    if (s == to_string(v)) return v;
  return std::nullopt;
}

double schedule_factor(LrSchedule s, uint64_t t, uint64_t T) {
  if (s != LrSchedule::Cosine || T == 0) return 1.0;
  const double x = double(std::min(t, T)) / double(T);
  return 0.5 * (1.0 + detmath::cos(3.14159265358979323846 * x));  // ½(1 + cos(π·t/T))
}

const char* to_string(TrainStatus s) {
  switch (s) {
    case TrainStatus::Ok: return "ok";
    case TrainStatus::Diverged: return "diverged";
    case TrainStatus::NoData: return "no-data";
    case TrainStatus::Done: return "done";
  }
  return "?";
}

const char* to_string(Divergence d) {
  switch (d) {
    case Divergence::None: return "none";
    case Divergence::LossNotFinite: return "loss-not-finite";
    case Divergence::WeightBlowUp: return "weight-blow-up";
    case Divergence::ExplodingLoss: return "exploding-loss";
  }
  return "?";
}

Model::Model(const Config& config, uint32_t seed, const TrainOptions& options)
    : net_(checked(config), seed), seed_(seed), options_(options) {
  if (auto e = validate(options); !e.empty()) throw std::invalid_argument(e);
  const size_t n = net_.param_count();
  run_.velocity.assign(n, 0.0f);
  run_.gradSum.assign(n, 0.0f);
  run_.learningRate = options.learningRate;
  next_.assign(n, 0.0f);
  nextVelocity_.assign(n, 0.0f);
  augmented_.assign(kImageSize, 0.0f);
  augmentScratch_ = std::make_unique<AugmentScratch>();
}

void Model::refresh_status() {
  divergence_ = Divergence::None;
  statusMessage_.clear();
  if (!images_) status_ = TrainStatus::NoData;
  else if (run_.epoch >= uint64_t(options_.epochs)) status_ = TrainStatus::Done;
  else status_ = TrainStatus::Ok;
}

void Model::set_options(const TrainOptions& options) {
  if (auto e = validate(options); !e.empty()) throw std::invalid_argument(e);
  if (options.batchSize != options_.batchSize && run_.inBatch > 0) {
    // drop a partial batch: it belonged to the old size
    run_.position -= run_.inBatch;
    run_.samplesSeen -= run_.inBatch;
    run_.inBatch = 0;
  }
  options_ = options;
  float lr = options_.learningRate;  // λ of this epoch: λ × decay per epoch done
  for (uint64_t e = 0; e < run_.epoch; ++e) lr *= options_.lrDecay;
  run_.learningRate = lr;
  if (options_.momentum == 0.0f) std::fill(run_.velocity.begin(), run_.velocity.end(), 0.0f);
  refresh_status();
}

void Model::set_training_data(const uint8_t* images, const uint8_t* labels, size_t count) {
  if (!images || !labels) throw std::invalid_argument("training data: null buffer");
  if (!within(limits::trainSize, double(count)))
    throw std::invalid_argument(out_of_range(limits::trainSize, "the training-set size", std::to_string(count)));
  for (size_t i = 0; i < count; ++i)
    if (labels[i] > 9)
      throw std::invalid_argument("training data: label " + std::to_string(labels[i]) +
                                  " at index " + std::to_string(i) + " is not a digit 0..9");
  images_ = images;
  labels_ = labels;
  dataOwner_.reset();
  const size_t n = net_.param_count();
  run_ = RunState{};
  run_.trainCount = count;
  run_.learningRate = options_.learningRate;
  run_.velocity.assign(n, 0.0f);
  run_.gradSum.assign(n, 0.0f);
  shuffleRng_.set_state(uint64_t(seed_) ^ kShuffleSalt);
  start_epoch();
  refresh_status();
}

void Model::set_training_data(std::shared_ptr<const Dataset> data, size_t count) {
  if (!data) throw std::invalid_argument("training data: no dataset");
  if (count > data->count())
    throw std::invalid_argument("the training-set size " + std::to_string(count) + " is larger than the dataset (" +
                                std::to_string(data->count()) + " images)");
  set_training_data(data->image(0), data->labels(), count);
  dataOwner_ = std::move(data);
}

RunProgress Model::progress() const {
  RunProgress p;
  p.trainCount = double(run_.trainCount);
  p.epoch = double(run_.epoch);
  p.position = double(run_.position);
  p.samplesSeen = double(run_.samplesSeen);
  p.learningRate = current_learning_rate();
  p.recentLoss = recent_loss();
  p.status = status_;
  p.divergence = divergence_;
  p.message = statusMessage_;
  return p;
}

float Model::current_learning_rate() const {
  const uint64_t t = run_.samplesSeen - run_.inBatch;  // samples before the current mini-batch
  return float(double(run_.learningRate) * schedule_factor(options_.lrSchedule, t, run_samples()));
}

// A new order for the epoch that starts now (Fisher–Yates from the run's generator).
void Model::start_epoch() {
  run_.position = 0;
  run_.epochRngState = shuffleRng_.state();
  const size_t count = size_t(run_.trainCount);
  order_.resize(count);
  for (size_t i = 0; i < count; ++i) order_[i] = uint32_t(i);
  if (!options_.shuffle) return;
  for (size_t i = count - 1; i > 0; --i) {
    const size_t j = shuffleRng_.below(uint32_t(i + 1));
    std::swap(order_[i], order_[j]);
  }
}

double recent_loss(const RunState& run) {
  if (run.recentCount == 0) return NAN;
  double sum = 0.0;
  for (uint32_t i = 0; i < run.recentCount; ++i) sum += run.recentLoss[i];
  return sum / double(run.recentCount);
}

// Handout p. 6: K¹ ← K¹ − λΔK¹, b¹ ← b¹ − λΔb¹, ..., b₂ ← b₂ − λΔb₂ — all eight
// updates are this one loop over the flat parameter and gradient buffers.
// The new values go to a scratch buffer first, which becomes θ only if none of
// them blows up (a swap of the two buffers), so a refused step leaves θ as it was.
bool Model::apply_update(const float* g, float lr, float scale, float mu) {
  const size_t n = net_.param_count();
  const float* theta = net_.params();
  float* next = next_.data();
  if (mu == 0.0f) {
    for (size_t i = 0; i < n; ++i) next[i] = theta[i] - lr * (g[i] * scale);  // θ − λ·Δθ
    if (!all_within(next, n, kWeightBound)) return false;
    net_.swap_params(next_);
    return true;
  }
  float* v = nextVelocity_.data();
  const float* velocity = run_.velocity.data();
  for (size_t i = 0; i < n; ++i) {
    v[i] = mu * velocity[i] + g[i] * scale;  // v ← μv + Δθ
    next[i] = theta[i] - lr * v[i];          // θ ← θ − λv
  }
  if (!all_within(next, n, kWeightBound)) return false;
  net_.swap_params(next_);
  run_.velocity.swap(nextVelocity_);
  return true;
}

void Model::diverge(Divergence why, ChunkResult& r) {
  // Samples of an unfinished mini-batch were not applied: the run goes back to its start.
  if (why != Divergence::ExplodingLoss) {
    run_.position -= run_.inBatch;
    run_.samplesSeen -= run_.inBatch;
    run_.inBatch = 0;
  }
  status_ = r.status = TrainStatus::Diverged;
  divergence_ = why;
  const std::string at = "after " + format_count(run_.samplesSeen) + " samples (epoch " +
                         std::to_string(run_.epoch + 1) + ", λ = " + format_number(current_learning_rate()) + ")";
  switch (why) {
    case Divergence::LossNotFinite:
      statusMessage_ = "Training diverged " + at + ": the loss of the next sample is not a finite "
                       "number. The weights are those from before it. Lower the learning rate or reset.";
      break;
    case Divergence::WeightBlowUp:
      statusMessage_ = "Training diverged " + at + ": the next update would make a weight larger than " +
                       format_number(kWeightBound) + " (or not a number), so it was not applied. "
                       "The weights are those from before it. Lower the learning rate or reset.";
      break;
    case Divergence::ExplodingLoss:
      statusMessage_ = "Training diverged " + at + ": the mean loss of the last " + std::to_string(kLossWindow) +
                       " samples is " + format_number(recent_loss()) + ", more than 10·ln 10 ≈ 23 (ten times a "
                       "random guess's). The weights are ruined: go back to an earlier checkpoint or reset, "
                       "with a lower learning rate.";
      break;
    case Divergence::None:
      break;
  }
}

ChunkResult Model::train(size_t samples) {
  ChunkResult r;
  r.status = status_;
  if (status_ != TrainStatus::Ok) return r;
  const size_t G = net_.param_count();
  const float mu = options_.momentum;
  const bool augment = options_.augment.enabled();
  float* gradSum = run_.gradSum.data();
  while (size_t(r.samples) < samples) {
    const uint32_t idx = order_[size_t(run_.position)];
    const int label = labels_[idx];
    const uint8_t* pixels = images_ + size_t(idx) * kImageSize;
    if (augment) {
      // The draw depends only on the seed and the sample's number in the run, so a
      // resumed, rewound or WebAssembly run augments this sample the same way.
      Rng rng = augment_rng(seed_, run_.samplesSeen);
      augment_image(augmented_.data(), pixels, options_.augment, rng, *augmentScratch_);
      net_.load_input(augmented_.data());
    } else {
      net_.load_input(pixels);  // I = byte / 255
    }
    const double loss = net_.forward(label);
    if (!std::isfinite(loss)) { diverge(Divergence::LossNotFinite, r); break; }
    r.correct += net_.predicted_class() == label;
    net_.backward(label);
    if (options_.batchSize == 1) {
      if (!apply_update(net_.grads(), current_learning_rate(), 1.0f, mu)) { diverge(Divergence::WeightBlowUp, r); break; }
    } else {
      const float* g = net_.grads();
      if (run_.inBatch == 0) std::copy(g, g + G, gradSum);
      else for (size_t i = 0; i < G; ++i) gradSum[i] += g[i];
      ++run_.inBatch;
    }
    ++run_.position;
    ++run_.samplesSeen;
    ++r.samples;
    r.lossSum += loss;
    r.lastIndex = int(idx);
    r.lastLabel = label;
    run_.recentLoss[run_.recentHead] = loss;
    run_.recentHead = (run_.recentHead + 1) % kLossWindow;
    run_.recentCount = std::min<uint32_t>(run_.recentCount + 1, kLossWindow);
    const bool epochEnd = run_.position == run_.trainCount;
    if (run_.inBatch > 0 && (run_.inBatch == uint32_t(options_.batchSize) || epochEnd)) {
      // the mean of Δθ over the mini-batch
      if (!apply_update(gradSum, current_learning_rate(), 1.0f / float(run_.inBatch), mu)) {
        diverge(Divergence::WeightBlowUp, r);
        break;
      }
      run_.inBatch = 0;
    }
    if (epochEnd) {
      ++run_.epoch;
      run_.learningRate *= options_.lrDecay;
      start_epoch();
    }
    if (run_.recentCount == kLossWindow && recent_loss() > kExplodingLoss) {
      diverge(Divergence::ExplodingLoss, r);
      break;
    }
    if (run_.epoch >= uint64_t(options_.epochs)) {
      status_ = r.status = TrainStatus::Done;
      break;
    }
  }
  return r;
}

Checkpoint Model::checkpoint() const {
  Checkpoint c;
  c.config = config();
  c.seed = seed_;
  c.options = options_;
  c.run = run_;
  c.params = get_params();
  return c;
}

void Model::restore(const Checkpoint& c) {
  auto fail = [](const std::string& why) { throw std::invalid_argument("checkpoint: " + why); };
  if (!(c.config == config())) fail("it is for another network configuration");
  if (c.seed != seed_) fail("it is for seed " + std::to_string(c.seed) + ", this model has seed " + std::to_string(seed_));
  if (auto e = validate(c.options); !e.empty()) fail(e);
  if (!images_) fail("set the training data first");
  const RunState& s = c.run;
  if (s.trainCount != run_.trainCount)
    fail("it trains on " + std::to_string(s.trainCount) + " images, the data set here has " +
         std::to_string(run_.trainCount));
  const size_t n = net_.param_count();
  if (c.params.size() != n || s.velocity.size() != n || s.gradSum.size() != n)
    fail("expected " + std::to_string(n) + " values per buffer");
  if (s.position >= s.trainCount || s.inBatch > s.position || s.inBatch >= uint32_t(c.options.batchSize) ||
      s.recentCount > uint32_t(kLossWindow) || s.recentHead >= uint32_t(kLossWindow) ||
      s.samplesSeen < s.position || !(s.learningRate > 0.0f) || !std::isfinite(s.learningRate))
    fail("its run state is inconsistent");
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(c.params[i]) || !std::isfinite(s.velocity[i]) || !std::isfinite(s.gradSum[i]))
      fail("a value is not finite");
  options_ = c.options;
  std::copy(c.params.begin(), c.params.end(), net_.params());
  run_ = s;
  shuffleRng_.set_state(s.epochRngState);
  start_epoch();  // the same order as when this epoch began
  run_.position = s.position;
  refresh_status();
}

EvalResult Model::evaluate(const uint8_t* images, const uint8_t* labels, size_t count,
                           uint8_t* predictions, float* probs) {
  if (!images || !labels || count == 0) throw std::invalid_argument("evaluate: no samples");
  EvalResult e;
  double lossSum = 0.0;
  for (size_t i = 0; i < count; ++i) {
    const int label = labels[i];
    if (label > 9) throw std::invalid_argument("evaluate: label " + std::to_string(label) +
                                               " at index " + std::to_string(i) + " is not a digit");
    net_.load_input(images + i * kImageSize);
    lossSum += net_.forward(label);
    const int guess = net_.predicted_class();
    e.correct += guess == label;
    e.confusion[label * 10 + guess]++;
    if (predictions) predictions[i] = uint8_t(guess);
    if (probs) std::copy(net_.probs(), net_.probs() + kClasses, probs + i * kClasses);
  }
  e.count = int(count);
  e.meanLoss = lossSum / double(count);
  e.accuracy = double(e.correct) / double(count);
  return e;
}

EvalResult Model::evaluate(const Dataset& data, size_t start, size_t count, uint8_t* predictions, float* probs) {
  if (count == 0 || start > data.count() || count > data.count() - start)
    throw std::invalid_argument("evaluation range [" + std::to_string(start) + ", " + std::to_string(start + count) +
                                ") outside the dataset of " + format_count(data.count()) + " images");
  return evaluate(data.image(start), data.labels() + start, count, predictions, probs);
}

const float* Model::predict(const float* image) {
  net_.load_input(image);
  net_.forward(-1);
  return net_.probs();
}
const float* Model::predict(const uint8_t* image) {
  net_.load_input(image);
  net_.forward(-1);
  return net_.probs();
}

double Model::trace(const float* image, int label) {
  if (label < 0 || label > 9) throw std::invalid_argument("label must be a digit 0..9");
  net_.load_input(image);
  const double loss = net_.forward(label);
  net_.backward(label);
  return loss;
}

double Model::step(const float* image, int label, float lr) {
  if (!within(limits::learningRate, lr))
    throw std::invalid_argument(out_of_range(limits::learningRate, "the learning rate λ", format_number(lr)));
  const double loss = trace(image, label);
  if (!std::isfinite(loss) || !apply_update(net_.grads(), lr, 1.0f, 0.0f)) return NAN;
  return loss;
}

void Model::saliency(float* out, const float* image, int k) {
  if (k < 0 || k > 9) throw std::invalid_argument("the class k must be a digit 0..9, got " + std::to_string(k));
  net_.load_input(image);
  net_.forward(-1);
  net_.saliency(out, k);
}

void Model::hidden_activations(float* out, const Dataset& data, size_t start, size_t count) {
  if (!within(limits::hiddenActivationsCount, double(count)))
    throw std::invalid_argument(out_of_range(limits::hiddenActivationsCount, "the number of images", std::to_string(count)));
  if (start > data.count() || count > data.count() - start)
    throw std::invalid_argument("images [" + std::to_string(start) + ", " + std::to_string(start + count) +
                                ") outside the dataset of " + format_count(data.count()) + " images");
  const size_t H = size_t(config().hidden);
  for (size_t i = 0; i < count; ++i) {
    net_.load_input(data.image(start + i));
    net_.forward(-1);
    const float* a1 = net_.hidden();
    std::copy(a1, a1 + H, out + i * H);
  }
}

void Model::augment_preview(float* out, const Dataset& data, size_t index, size_t count) {
  if (!within(limits::augmentPreviewCount, double(count)))
    throw std::invalid_argument(out_of_range(limits::augmentPreviewCount, "the number of versions", std::to_string(count)));
  const uint8_t* pixels = data.checked_image(index);
  const uint64_t stride = uint64_t(limits::augmentPreviewCount.max);
  for (size_t j = 0; j < count; ++j) {
    Rng rng = augment_rng(uint64_t(seed_) ^ kPreviewSalt, uint64_t(index) * stride + j);
    augment_image(out + j * kImageSize, pixels, options_.augment, rng, *augmentScratch_);
  }
}

std::vector<float> Model::get_params() const {
  return std::vector<float>(net_.params(), net_.params() + net_.param_count());
}

void Model::set_params(const float* values, size_t count) {
  if (count != net_.param_count())
    throw std::invalid_argument("expected " + std::to_string(net_.param_count()) +
                                " parameters, got " + std::to_string(count));
  for (size_t i = 0; i < count; ++i)
    if (!std::isfinite(values[i]))
      throw std::invalid_argument("parameter " + std::to_string(i) + " is not finite");
  std::copy(values, values + count, net_.params());
  std::fill(run_.velocity.begin(), run_.velocity.end(), 0.0f);
  if (run_.inBatch > 0) {  // a partial mini-batch belonged to the old parameters
    run_.position -= run_.inBatch;
    run_.samplesSeen -= run_.inBatch;
    run_.inBatch = 0;
  }
  refresh_status();
}

}  // namespace cnnlab
