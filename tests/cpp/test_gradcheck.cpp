// Finite-difference check of backprop: every parameter group (ΔK¹, Δb¹, ΔK², Δb²,
// ΔW₁, Δb₁, ΔW₂, Δb₂) and every δ (δ = S − Y, δ₁, δ_flatten, δC², δC_P¹, δC¹), for
// each activation and both poolings.
//
// Central differences g ≈ (L(θ+ε) − L(θ−ε)) / 2ε with ε = 1e-3 in single precision.
// Tolerance: |g_fd − g_bp| ≤ 3e-4 + 2e-2·|g_bp| (the float noise of L ≈ 2.3 divided
// by 2ε is ≈ 1e-4; curvature adds O(ε²)). ReLU and max pooling are not
// differentiable where a pre-activation is 0 or a 2×2 block has a tie; a probe whose
// ±ε crosses such a point is detected (the ReLU mask or arg-max changes) and retried
// with ε/4 and ε/16 (absolute tolerance scaled by 4 and 16). Only a probe that still
// straddles a kink may miss, and at most 5% of the probes of a group may do so.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "network/gradcheck.h"  // kink_pattern
#include "network/network.h"
#include "network/rng.h"

#include "network_views.h"

using namespace cnnlab;
using cnnlab::testing::all_views;

namespace {

constexpr float kEps = 1e-3f, kAbsTol = 3e-4f, kRelTol = 2e-2f;

// A test input: a smooth blob plus noise, so that every map sees signal.
std::vector<float> test_image(uint64_t seed) {
  Rng rng(seed);
  std::vector<float> img(kImageSize);
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x) {
      const float d = float((y - 14) * (y - 14) + (x - 13) * (x - 13));
      img[y * 28 + x] = std::fmin(1.0f, float(std::exp(-d / 40.0)) + 0.2f * rng.uniform());
    }
  return img;
}

struct Probe {
  std::string group;
  float* value;          // the number perturbed
  float backprop;        // the gradient backprop gave for it
  Network::Stage stage;  // where the forward pass resumes after the perturbation
};

// Checks each probe; returns "" or a description of the failures.
void check_probes(Network& net, const std::vector<float>& image, int label,
                  std::vector<Probe> probes, const std::string& configName) {
  std::map<std::string, std::pair<int, int>> kinks;  // group → (kinks, probes)
  for (auto& p : probes) {
    auto& [k, n] = kinks[p.group];
    ++n;
    bool passed = false, kink = false;
    float fd = 0.0f, tol = 0.0f;
    // Smaller ε when ±ε straddles a kink; the float noise grows as 1/ε.
    for (const float eps : {kEps, kEps / 4, kEps / 16}) {
      const float saved = *p.value;
      net.load_input(image.data());
      net.forward(label);  // restore every tensor before perturbing an intermediate one
      *p.value = saved + eps;
      const float lossPlus = net.forward_from(p.stage, label);
      const auto kinkPlus = kink_pattern(net);
      net.load_input(image.data());
      net.forward(label);
      *p.value = saved - eps;
      const float lossMinus = net.forward_from(p.stage, label);
      const auto kinkMinus = kink_pattern(net);
      *p.value = saved;
      fd = (lossPlus - lossMinus) / (2.0f * eps);
      tol = kAbsTol * (kEps / eps) + kRelTol * std::fabs(p.backprop);
      kink = kinkPlus != kinkMinus;
      passed = std::fabs(fd - p.backprop) <= tol;
      if (passed || !kink) break;
    }
    if (passed) continue;
    if (kink) { ++k; continue; }  // not differentiable there, even at ε/16
    ADD_FAILURE() << configName << " " << p.group << ": finite difference " << fd
                  << ", backprop " << p.backprop << ", tolerance " << tol;
  }
  for (const auto& [group, kn] : kinks)
    EXPECT_LE(kn.first * 20, kn.second) << configName << " " << group << ": " << kn.first
                                        << " of " << kn.second << " probes straddle a kink and miss";
}

void run_gradient_check(Activation activation, Pooling pooling) {
  Config config;
  config.activation = activation;
  config.pooling = pooling;
  const std::string name = std::string(to_string(activation)) + "/" + to_string(pooling);
  Network net(config, 7);
  // Non-zero biases so that bias gradients are exercised away from the init point.
  Rng rng(99);
  for (auto& t : net.parameter_views())
    if (t.name.find("bias") != std::string::npos)
      for (size_t i = 0; i < t.size; ++i) t.data[i] = rng.symmetric(0.1f);
  const auto image = test_image(3);
  const int label = 4;
  net.load_input(image.data());
  net.forward(label);
  net.backward(label);

  std::vector<Probe> probes;
  // Every parameter group: up to 40 evenly spaced entries of each, all for small ones.
  auto params = net.parameter_views();
  auto grads = net.gradient_views();
  for (size_t g = 0; g < params.size(); ++g) {
    const size_t n = params[g].size, stride = std::max<size_t>(1, n / 40);
    for (size_t i = 0; i < n; i += stride)
      probes.push_back({params[g].name, params[g].data + i, grads[g].data[i], Network::Stage::Input});
  }
  // Every δ: perturb the tensor it is the gradient of, resume the forward pass there.
  struct DeltaOf { const char* delta; const char* tensor; Network::Stage stage; };
  const DeltaOf deltas[] = {
      {"delta_out", "logits", Network::Stage::Logits},       // δ = S − Y
      {"delta1", "fc1_pre", Network::Stage::Fc1Pre},         // δ₁
      {"delta_flatten", "flatten", Network::Stage::Flatten}, // δ_flatten
      {"delta_conv2", "conv2_pre", Network::Stage::Conv2Pre},// δC²
      {"delta_pool1", "pool1", Network::Stage::Pool1},       // δC_P¹
      {"delta_conv1", "conv1_pre", Network::Stage::Conv1Pre},// δC¹
  };
  auto views = all_views(net);
  auto find = [&](const char* n) -> TensorView& {
    for (auto& v : views) if (v.name == n) return v;
    throw std::runtime_error(n);
  };
  for (const auto& d : deltas) {
    auto& delta = find(d.delta);
    auto& tensor = find(d.tensor);
    ASSERT_EQ(delta.size, tensor.size);
    const size_t stride = std::max<size_t>(1, tensor.size / 40);
    // Copy δ now: later forward passes do not touch δ, but be explicit.
    for (size_t i = 0; i < tensor.size; i += stride)
      probes.push_back({d.delta, tensor.data + i, delta.data[i], d.stage});
  }
  check_probes(net, image, label, probes, name);
}

}  // namespace

TEST(GradientCheck, ReluAverage) { run_gradient_check(Activation::ReLU, Pooling::Average); }
TEST(GradientCheck, ReluMax) { run_gradient_check(Activation::ReLU, Pooling::Max); }
TEST(GradientCheck, TanhAverage) { run_gradient_check(Activation::Tanh, Pooling::Average); }
TEST(GradientCheck, TanhMax) { run_gradient_check(Activation::Tanh, Pooling::Max); }
TEST(GradientCheck, SigmoidAverage) { run_gradient_check(Activation::Sigmoid, Pooling::Average); }
TEST(GradientCheck, SigmoidMax) { run_gradient_check(Activation::Sigmoid, Pooling::Max); }
