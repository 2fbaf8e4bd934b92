#include "network/gradcheck.h"

#include <algorithm>
#include <cmath>

#include "network/rng.h"

namespace cnnlab {

std::vector<uint8_t> kink_pattern(Network& net) {
  std::vector<uint8_t> pattern;
  const bool relu = net.config().activation == Activation::ReLU;
  const bool maxPool = net.config().pooling == Pooling::Max;
  for (const auto& t : net.activation_views()) {
    if (relu && (t.name == "conv1_pre" || t.name == "conv2_pre" || t.name == "fc1_pre"))
      for (size_t i = 0; i < t.size; ++i) pattern.push_back(t.data[i] > 0.0f);
    if (maxPool && (t.name == "conv1" || t.name == "conv2")) {
      const int S = t.shape[1];
      for (int c = 0; c < t.shape[0]; ++c)
        for (int i = 0; i < S; i += 2)
          for (int j = 0; j < S; j += 2) {  // arg-max of each 2×2 block, first on ties
            const float* b = t.data + (c * S + i) * S + j;
            const float cells[4] = {b[0], b[1], b[S], b[S + 1]};
            int best = 0;
            for (int k = 1; k < 4; ++k)
              if (cells[k] > cells[best]) best = k;
            pattern.push_back(uint8_t(best));
          }
    }
  }
  return pattern;
}

std::vector<GradCheckGroup> gradient_check(Network& net, const float* image, int label,
                                           int probesPerGroup, float eps, uint64_t seed) {
  net.load_input(image);
  net.forward(label);
  net.backward(label);
  const std::vector<float> backprop(net.grads(), net.grads() + net.param_count());
  Rng rng(seed);
  std::vector<GradCheckGroup> result;
  for (const TensorView& group : net.parameter_views()) {
    GradCheckGroup g;
    g.name = group.name;
    const size_t offset = size_t(group.data - net.params());
    const int count = int(std::min<size_t>(group.size, size_t(probesPerGroup)));
    for (int k = 0; k < count; ++k) {
      const size_t i = count == int(group.size) ? size_t(k) : rng.below(uint32_t(group.size));
      float& theta = group.data[i];
      const float saved = theta;
      const double bp = backprop[offset + i];
      // ε, then ε/4 and ε/16 if the first straddles a ReLU or max-pooling kink
      // (where the loss has no derivative); the best agreement counts.
      double best = HUGE_VAL, bestAbs = HUGE_VAL;
      bool kink = false;
      for (float e = eps; e >= eps / 16; e /= 4) {
        theta = saved + e;
        const double plus = net.forward(label);
        const auto kinksPlus = kink_pattern(net);
        theta = saved - e;
        const double minus = net.forward(label);
        kink = kink_pattern(net) != kinksPlus;
        theta = saved;
        const double fd = (plus - minus) / (2.0 * double(e));
        const double abs = std::fabs(fd - bp);
        // Relative to the gradients' size; below 1e-2 the float forward pass's noise
        // (≈ 1e-5) would dominate, so small gradients are judged against 1e-2.
        const double rel = abs / std::max(std::fabs(fd) + std::fabs(bp), 1e-2);
        if (rel < best) { best = rel; bestAbs = abs; }
        if (best < 1e-3) break;
      }
      if (best >= 1e-2 && kink) {  // not differentiable here, even at ε/16
        ++g.kinkProbes;
        g.maxKinkRelativeError = std::max(g.maxKinkRelativeError, best);
      } else {
        g.maxAbsoluteError = std::max(g.maxAbsoluteError, bestAbs);
        g.maxRelativeError = std::max(g.maxRelativeError, best);
      }
      ++g.probes;
    }
    result.push_back(g);
  }
  net.forward(label);  // leave the tensors describing the unperturbed sample
  net.backward(label);
  return result;
}

}  // namespace cnnlab
