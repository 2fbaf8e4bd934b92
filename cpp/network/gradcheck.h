// The live gradient check of the page: central finite differences for a sample of
// the parameters of every layer, compared with backprop's gradient (handout pp. 4–5).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "network/network.h"

namespace cnnlab {

struct GradCheckGroup {
  std::string name;          // "conv1.weight", ... (the parameter group)
  int probes = 0;            // parameters checked
  double maxRelativeError = 0.0;  // max |g_fd − g_bp| / max(|g_fd| + |g_bp|, 1e-4)
  double maxAbsoluteError = 0.0;
  // Probes where ±ε straddles a kink (a ReLU pre-activation crossing 0, or a max
  // pooling arg-max changing) even at ε/100: the loss has no derivative there, so
  // they are counted here and left out of the errors above. On MNIST's blank border
  // many pre-activations are exactly 0 and backprop takes ReLU′(0) = 0.
  int kinkProbes = 0;
  double maxKinkRelativeError = 0.0;
};

// Where the forward pass is not differentiable: the sign of every ReLU
// pre-activation and the arg-max of every max-pooling block. If it differs between
// θ+ε and θ−ε, a finite difference straddles a kink.
std::vector<uint8_t> kink_pattern(Network& net);

// probs10 ← S = softmax(z) of `image784`, computed in double precision by the plain
// forward pass that gradient_check differentiates (the network's parameters, written
// out straight from the handout's equations); `kinks` as kink_pattern's. For checking
// Network::saliency (∂S_k/∂I) by finite differences.
void reference_probabilities(double* probs10, const Network& net, const double* image784,
                             std::vector<uint8_t>& kinks);

// For each parameter group, `probesPerGroup` parameters chosen by a seeded Rng
// (all of them if the group is smaller): g_fd = (L(θ+ε) − L(θ−ε)) / 2ε, with L the
// loss of (image, label) computed by a plain double-precision forward pass of the
// same network (so the difference carries no float noise), against the network's
// own single-precision backprop gradient; retried with ε/10 and ε/100 where a ReLU
// or max-pooling kink spoils the difference. The network's parameters are not
// changed; its tensors then describe this sample.
// Throws std::invalid_argument for a label outside 0..9 or a probe count outside
// limits::gradcheckProbes. The page's check uses the defaults: ε = 1e-4 and the probes of seed 1.
inline constexpr float kGradCheckEpsilon = 1e-4f;
inline constexpr uint64_t kGradCheckSeed = 1;
std::vector<GradCheckGroup> gradient_check(Network& net, const float* image784, int label,
                                           int probesPerGroup, float eps = kGradCheckEpsilon,
                                           uint64_t seed = kGradCheckSeed);

}  // namespace cnnlab
