#include "network/model.h"

#include "kernels/vec8.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace cnnlab {

std::string validate(const TrainOptions& o) {
  if (!(o.learningRate > 0.0f) || !std::isfinite(o.learningRate))
    return "learning rate must be a finite number > 0";
  if (o.batchSize < 1 || o.batchSize > 60000) return "batch size must be between 1 and 60000";
  if (!(o.momentum >= 0.0f && o.momentum < 1.0f)) return "momentum must be in [0, 1)";
  if (!(o.lrDecay > 0.0f && o.lrDecay <= 1.0f)) return "learning-rate decay must be in (0, 1]";
  return {};
}

namespace {
const Config& checked(const Config& c) {
  if (auto e = validate(c); !e.empty()) throw std::invalid_argument(e);
  return c;
}
}  // namespace

Model::Model(const Config& config, uint32_t seed, const TrainOptions& options)
    : net_(checked(config), seed),
      seed_(seed),
      options_(options),
      shuffleRng_(uint64_t(seed) ^ 0xD1B54A32D192ED03ull) {
  if (auto e = validate(options); !e.empty()) throw std::invalid_argument(e);
  const size_t n = net_.param_count();
  gradSum_.assign(n, 0.0f);
  velocity_.assign(n, 0.0f);
  next_.assign(n, 0.0f);
  nextVelocity_.assign(n, 0.0f);
}

void Model::set_options(const TrainOptions& options) {
  if (auto e = validate(options); !e.empty()) throw std::invalid_argument(e);
  const bool batchChanged = options.batchSize != options_.batchSize;
  options_ = options;
  if (batchChanged && inBatch_ > 0) {  // drop a partial batch: it belonged to the old size
    position_ = batchStart_;
    samplesSeen_ = batchStartSeen_;
    inBatch_ = 0;
  }
  if (options_.momentum == 0.0f) std::fill(velocity_.begin(), velocity_.end(), 0.0f);
  status_ = TrainStatus::Ok;
  statusMessage_.clear();
}

void Model::set_training_data(const uint8_t* images, const uint8_t* labels, size_t count) {
  if (!images || !labels) throw std::invalid_argument("training data: null buffer");
  if (count == 0) throw std::invalid_argument("training data: no samples");
  if (count > 0xFFFFFFFFu) throw std::invalid_argument("training data: too many samples");
  for (size_t i = 0; i < count; ++i)
    if (labels[i] > 9)
      throw std::invalid_argument("training data: label " + std::to_string(labels[i]) +
                                  " at index " + std::to_string(i) + " is not a digit 0..9");
  images_ = images;
  labels_ = labels;
  count_ = count;
  shuffleRng_.set_state(uint64_t(seed_) ^ 0xD1B54A32D192ED03ull);
  epoch_ = 0;
  samplesSeen_ = 0;
  inBatch_ = 0;
  std::fill(velocity_.begin(), velocity_.end(), 0.0f);
  status_ = TrainStatus::Ok;
  statusMessage_.clear();
  start_epoch();
}

void Model::start_epoch() {
  position_ = 0;
  batchStart_ = 0;
  batchStartSeen_ = samplesSeen_;
  order_.resize(count_);
  for (size_t i = 0; i < count_; ++i) order_[i] = uint32_t(i);
  if (!options_.shuffle) return;
  for (size_t i = count_ - 1; i > 0; --i) {  // Fisher–Yates
    const size_t j = shuffleRng_.below(uint32_t(i + 1));
    std::swap(order_[i], order_[j]);
  }
}

float Model::current_learning_rate() const {
  float lr = options_.learningRate;
  for (size_t e = 0; e < epoch_; ++e) lr *= options_.lrDecay;
  return lr;
}

namespace {
// True if every value is finite: x − x is 0 for a finite x and NaN otherwise; the
// 8 partial sums stay 0 exactly when all are finite. Explicit vectors: a float
// reduction would not be vectorized by the compiler.
bool all_finite(const float* p, size_t n) {
  f32x8 acc = splat8(0.0f);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const f32x8 v = load8(p + i);
    acc += v - v;
  }
  float tail = 0.0f;
  for (; i < n; ++i) tail += p[i] - p[i];
  return sum8(acc) + tail == 0.0f;
}
}  // namespace

// Handout p. 6: K¹ ← K¹ − λΔK¹, b¹ ← b¹ − λΔb¹, ..., b₂ ← b₂ − λΔb₂ — all eight
// updates are this one loop over the flat parameter and gradient buffers.
// The new values go to a scratch buffer first, which becomes θ only if they are all
// finite (a swap of the two buffers), so a bad step leaves θ as it was.
bool Model::apply_update(const float* g, float lr, float scale, float mu) {
  const size_t n = net_.param_count();
  const float* theta = net_.params();
  float* next = next_.data();
  if (mu == 0.0f) {
    for (size_t i = 0; i < n; ++i) next[i] = theta[i] - lr * (g[i] * scale);  // θ − λ·Δθ
    if (!all_finite(next, n)) return false;
    net_.swap_params(next_);
    return true;
  }
  float* v = nextVelocity_.data();
  for (size_t i = 0; i < n; ++i) {
    v[i] = mu * velocity_[i] + g[i] * scale;  // v ← μv + Δθ
    next[i] = theta[i] - lr * v[i];           // θ ← θ − λv
  }
  if (!all_finite(next, n)) return false;
  net_.swap_params(next_);
  velocity_.swap(nextVelocity_);
  return true;
}

ChunkResult Model::train(size_t samples) {
  ChunkResult r;
  if (status_ == TrainStatus::Diverged) { r.status = status_; return r; }
  if (!images_) {
    r.status = TrainStatus::NoData;
    return r;
  }
  const size_t G = net_.param_count();
  auto diverge = [&](const std::string& why) {
    position_ = batchStart_;
    samplesSeen_ = batchStartSeen_;
    inBatch_ = 0;
    status_ = TrainStatus::Diverged;
    statusMessage_ = why + " at sample " + std::to_string(samplesSeen_) +
                     " (epoch " + std::to_string(epoch_ + 1) +
                     "); the parameters are those from before this step. "
                     "Lower the learning rate (now " + std::to_string(current_learning_rate()) +
                     ") or reset.";
    r.status = status_;
  };
  float lr = current_learning_rate();  // λ of this epoch (decays per epoch)
  while (size_t(r.samples) < samples) {
    if (inBatch_ == 0) { batchStart_ = position_; batchStartSeen_ = samplesSeen_; }
    const uint32_t idx = order_[position_];
    const int label = labels_[idx];
    net_.load_input(images_ + size_t(idx) * kImageSize);
    const double loss = net_.forward(label);
    if (!std::isfinite(loss)) { diverge("the loss is not finite"); break; }
    r.correct += net_.predicted_class() == label;
    net_.backward(label);
    if (options_.batchSize == 1) {
      if (!apply_update(net_.grads(), lr, 1.0f, options_.momentum)) { diverge("the update is not finite"); break; }
    } else {
      const float* g = net_.grads();
      if (inBatch_ == 0) std::copy(g, g + G, gradSum_.begin());
      else for (size_t i = 0; i < G; ++i) gradSum_[i] += g[i];
      ++inBatch_;
    }
    ++position_;
    ++samplesSeen_;
    ++r.samples;
    r.lossSum += loss;
    const bool epochEnd = position_ == count_;
    if (options_.batchSize > 1 && (inBatch_ == options_.batchSize || (epochEnd && inBatch_ > 0))) {
      // mean of Δθ over the mini-batch
      if (!apply_update(gradSum_.data(), lr, 1.0f / float(inBatch_), options_.momentum)) {
        diverge("the update is not finite");
        break;
      }
      inBatch_ = 0;
    }
    if (epochEnd) {
      ++epoch_;
      start_epoch();
      lr = current_learning_rate();
    }
  }
  return r;
}

EvalResult Model::evaluate(const uint8_t* images, const uint8_t* labels, size_t count) {
  if (!images || !labels || count == 0) throw std::invalid_argument("evaluate: no samples");
  EvalResult e;
  double lossSum = 0.0;
  int correct = 0;
  for (size_t i = 0; i < count; ++i) {
    const int label = labels[i];
    if (label > 9) throw std::invalid_argument("evaluate: label " + std::to_string(label) +
                                               " at index " + std::to_string(i) + " is not a digit");
    net_.load_input(images + i * kImageSize);
    lossSum += net_.forward(label);
    const int guess = net_.predicted_class();
    correct += guess == label;
    e.confusion[label * 10 + guess]++;
  }
  e.count = int(count);
  e.meanLoss = lossSum / double(count);
  e.accuracy = double(correct) / double(count);
  return e;
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
  if (!(lr > 0.0f) || !std::isfinite(lr)) throw std::invalid_argument("learning rate must be a finite number > 0");
  const double loss = trace(image, label);
  if (!std::isfinite(loss) || !apply_update(net_.grads(), lr, 1.0f, 0.0f)) return NAN;
  return loss;
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
  std::fill(velocity_.begin(), velocity_.end(), 0.0f);
  inBatch_ = 0;
  status_ = TrainStatus::Ok;
  statusMessage_.clear();
}

}  // namespace cnnlab
