// "Why this answer": the saliency ∂S_k/∂I (the handout's backprop carried one step
// further, to the input) against central finite differences of S_k over every input
// pixel, computed by the double-precision reference pass of gradcheck.cpp; a₁ of
// many images at once; and the augmentation preview ("what the network trains on").
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "augment/augment.h"
#include "io/weights.h"
#include "mnist_fixture.h"
#include "network/gradcheck.h"
#include "network/model.h"

using namespace cnnlab;
using cnnlab::testing::mnist;

namespace {

Model shipped_model() {
  const auto w = load_weights_file(std::string(CNNLAB_SOURCE_DIR) + "/public/models/cnnlab-default.json");
  Model m(w.config, 1);
  m.set_params(w.params.data(), w.params.size());
  return m;
}

std::vector<float> test_image(size_t i) {
  const auto& t = mnist("t10k");
  std::vector<float> x(kImageSize);
  for (int p = 0; p < kImageSize; ++p) x[p] = float(t.images[i * kImageSize + p]) / 255.0f;
  return x;
}

// The predicted class and the runner-up.
std::pair<int, int> top_two(const float* probs) {
  int a = 0, b = 1;
  if (probs[b] > probs[a]) std::swap(a, b);
  for (int k = 2; k < kClasses; ++k) {
    if (probs[k] > probs[a]) { b = a; a = k; }
    else if (probs[k] > probs[b]) b = k;
  }
  return {a, b};
}

struct Agreement {
  int pixels = 0, kinks = 0;
  double maxError = 0.0;   // max |fd − saliency| over pixels away from kinks
  double scale = 0.0;      // max |saliency|
};

// Central differences (S_k(I + εe_p) − S_k(I − εe_p)) / 2ε in double precision for
// every pixel p; retried at ε/10 and ε/100 where ±ε crosses a ReLU or max-pooling
// kink (there S_k has no derivative), and left out if it still does.
Agreement compare(Model& m, const std::vector<float>& image, int k, const float* saliency) {
  Agreement a;
  std::vector<double> x(image.begin(), image.end());
  std::vector<uint8_t> kinksPlus, kinksMinus;
  double plus[kClasses], minus[kClasses];
  for (int p = 0; p < kImageSize; ++p) a.scale = std::max(a.scale, double(std::fabs(saliency[p])));
  for (int p = 0; p < kImageSize; ++p) {
    const double saved = x[p];
    bool kink = true;
    double fd = 0.0;
    for (double eps = 1e-3; eps > 1e-6 && kink; eps /= 10) {
      x[p] = saved + eps;
      reference_probabilities(plus, m.network(), x.data(), kinksPlus);
      x[p] = saved - eps;
      reference_probabilities(minus, m.network(), x.data(), kinksMinus);
      x[p] = saved;
      kink = kinksPlus != kinksMinus;
      fd = (plus[k] - minus[k]) / (2.0 * eps);
    }
    if (kink) {
      ++a.kinks;
      continue;
    }
    ++a.pixels;
    a.maxError = std::max(a.maxError, std::fabs(fd - double(saliency[p])));
  }
  return a;
}

}  // namespace

// Tolerance: |fd − ∂S_k/∂I| ≤ 1e-4 · max_p |∂S_k/∂I| for every pixel away from a kink
// (single-precision backprop against double-precision differences).
TEST(Saliency, EqualsFiniteDifferencesOfSkOverEveryPixel) {
  Model m = shipped_model();
  std::vector<float> s(kImageSize);
  for (size_t i : {0u, 8u, 247u}) {  // a 7; a 5; a 4 that the shipped network reads with less certainty
    const auto image = test_image(i);
    const auto [first, second] = top_two(m.predict(image.data()));
    for (int k : {first, second}) {
      m.saliency(s.data(), image.data(), k);
      const Agreement a = compare(m, image, k, s.data());
      std::printf("image %zu, S_%d: %d pixels, max |fd − saliency| %.3g of max |saliency| %.3g (%.2g); %d kinks\n",
                  i, k, a.pixels, a.maxError, a.scale, a.maxError / a.scale, a.kinks);
      EXPECT_GT(a.scale, 0.0);
      EXPECT_GE(a.pixels, 700) << "image " << i << ", k " << k;
      EXPECT_LE(a.maxError, 1e-4 * a.scale) << "image " << i << ", k " << k;
    }
  }
}

// The other f and the max pooling, on networks trained for 3,000 samples. tanh and
// sigmoid with average pooling are smooth: every pixel counts. Max pooling has a kink
// wherever a 2×2 block ties (all of MNIST's blank border: every cell there is f(b¹)),
// so only the pixels whose differences cross no tie count there.
TEST(Saliency, EqualsFiniteDifferencesForEveryActivationAndPooling) {
  const auto& d = mnist("train");
  const struct { Activation f; Pooling pool; int pixels; } cases[] = {
      {Activation::Tanh, Pooling::Average, 784}, {Activation::Sigmoid, Pooling::Average, 784},
      {Activation::ReLU, Pooling::Max, 150}, {Activation::Tanh, Pooling::Max, 150}};
  std::vector<float> s(kImageSize);
  const auto image = test_image(1);
  for (const auto& c : cases) {
    Config config;
    config.activation = c.f;
    config.pooling = c.pool;
    TrainOptions o;
    o.learningRate = c.f == Activation::Sigmoid ? 0.1f : 0.02f;
    Model m(config, 3, o);
    m.set_training_data(d.images.data(), d.labels.data(), 3000);
    m.train(3000);
    const auto [first, second] = top_two(m.predict(image.data()));
    for (int k : {first, second}) {
      m.saliency(s.data(), image.data(), k);
      const Agreement a = compare(m, image, k, s.data());
      std::printf("%s, %s pooling, S_%d: %d pixels, max |fd − saliency| %.3g of %.3g (%.2g); %d kinks\n",
                  to_string(c.f), to_string(c.pool), k, a.pixels, a.maxError, a.scale, a.maxError / a.scale, a.kinks);
      EXPECT_GT(a.scale, 0.0);
      EXPECT_GE(a.pixels, c.pixels) << to_string(c.f) << " " << to_string(c.pool);
      EXPECT_LE(a.maxError, 1e-4 * a.scale) << to_string(c.f) << " " << to_string(c.pool) << ", k " << k;
    }
  }
}

// Σ_k S_k = 1 for every input, so the ten saliencies sum to 0 at every pixel; and
// the saliency leaves the parameters alone.
TEST(Saliency, TheTenSaliencesSumToZeroAndParametersStay) {
  Model m = shipped_model();
  const auto before = m.get_params();
  const auto image = test_image(3);
  std::vector<float> s(kImageSize);
  std::vector<double> sum(kImageSize, 0.0);
  double scale = 0.0;
  for (int k = 0; k < kClasses; ++k) {
    m.saliency(s.data(), image.data(), k);
    for (int p = 0; p < kImageSize; ++p) {
      sum[p] += s[p];
      scale = std::max(scale, double(std::fabs(s[p])));
    }
  }
  for (int p = 0; p < kImageSize; ++p) ASSERT_LE(std::fabs(sum[p]), 1e-5 * scale) << p;
  EXPECT_EQ(m.get_params(), before);
  EXPECT_THROW(m.saliency(s.data(), image.data(), 10), std::invalid_argument);
  EXPECT_THROW(m.saliency(s.data(), image.data(), -1), std::invalid_argument);
}

// a₁ of many images at once: exactly the a₁ of each image's own forward pass.
TEST(HiddenActivations, AreTheHiddenLayerOfEachImage) {
  Model m = shipped_model();
  Config wide;
  wide.hidden = 20;
  Model small(wide, 2);
  const auto& t = mnist("t10k");
  auto data = std::make_shared<Dataset>(300);
  std::memcpy(data->images(), t.images.data(), 300 * kImageSize);
  std::memcpy(data->labels(), t.labels.data(), 300);
  for (Model* model : {&m, &small}) {
    const size_t H = size_t(model->config().hidden);
    std::vector<float> table(100 * H);
    model->hidden_activations(table.data(), *data, 150, 100);
    for (size_t i = 0; i < 100; ++i) {
      model->predict(data->image(150 + i));
      ASSERT_EQ(std::memcmp(table.data() + i * H, model->network().hidden(), H * 4), 0) << i;
    }
  }
  std::vector<float> out(50 * 10001);
  EXPECT_THROW(m.hidden_activations(out.data(), *data, 250, 51), std::invalid_argument);
  EXPECT_THROW(m.hidden_activations(out.data(), *data, 301, 1), std::invalid_argument);
  EXPECT_THROW(m.hidden_activations(out.data(), *data, 0, 0), std::invalid_argument);
  EXPECT_THROW(m.hidden_activations(out.data(), *data, 0, 10001), std::invalid_argument);  // the limit
}

// The preview of "what the network trains on": version j of image i is the run's
// augmentation drawn from augment_rng(seed ^ kPreviewSalt, i·64 + j); the same call
// gives the same bits; with augmentation off, the image / 255.
TEST(AugmentPreview, IsTheRunsAugmentationFromItsOwnStream) {
  const auto& t = mnist("train");
  auto data = std::make_shared<Dataset>(100);
  std::memcpy(data->images(), t.images.data(), 100 * kImageSize);
  std::memcpy(data->labels(), t.labels.data(), 100);
  TrainOptions o;
  o.augment = AugmentOptions::strong();
  Model m(Config{}, 5, o);
  std::vector<float> a(8 * kImageSize), b(8 * kImageSize), want(kImageSize);
  m.augment_preview(a.data(), *data, 42, 8);
  m.augment_preview(b.data(), *data, 42, 8);
  EXPECT_EQ(a, b);
  auto scratch = std::make_unique<AugmentScratch>();
  for (size_t j = 0; j < 8; ++j) {
    Rng rng = augment_rng(5 ^ Model::kPreviewSalt, 42 * 64 + j);
    augment_image(want.data(), data->image(42), o.augment, rng, *scratch);
    EXPECT_EQ(std::memcmp(a.data() + j * kImageSize, want.data(), kImageSize * 4), 0) << j;
    for (size_t i = 0; i < j; ++i)
      EXPECT_NE(std::memcmp(a.data() + j * kImageSize, a.data() + i * kImageSize, kImageSize * 4), 0);
  }
  m.set_options(TrainOptions{});
  m.augment_preview(a.data(), *data, 42, 3);
  for (int p = 0; p < 3 * kImageSize; ++p)
    ASSERT_EQ(a[p], float(data->image(42)[p % kImageSize]) / 255.0f) << p;
  EXPECT_THROW(m.augment_preview(a.data(), *data, 100, 1), std::invalid_argument);
  EXPECT_THROW(m.augment_preview(a.data(), *data, 0, 0), std::invalid_argument);
  EXPECT_THROW(m.augment_preview(a.data(), *data, 0, 65), std::invalid_argument);
}
