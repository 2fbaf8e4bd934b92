#include "network/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "layers/detmath.h"
#include "network/rng.h"

namespace cnnlab {

std::vector<uint8_t> kink_pattern(Network& net) {
  std::vector<uint8_t> pattern;
  const bool relu = net.config().activation == Activation::ReLU;
  const bool maxPool = net.config().pooling == Pooling::Max;
  for (const auto& t : net.forward_views()) {
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

namespace {

double activate_double(double x, Activation f) {
  switch (f) {
    case Activation::ReLU: return x > 0.0 ? x : 0.0;
    case Activation::Tanh: {
      if (x > 20.0) return 1.0;
      if (x < -20.0) return -1.0;
      const double e = detmath::exp(2.0 * x);
      return (e - 1.0) / (e + 1.0);
    }
    case Activation::Sigmoid: return 1.0 / (1.0 + detmath::exp(-x));
  }
  return x;
}

// The same network written out plainly in double precision, straight from the
// handout's equations (pp. 2–3), so that finite differences of its output carry no
// float noise: z ← the logits; returns log Σ e^z (the loss of label k is that − z_k,
// and S_k = e^(z_k − that)). `kinks` receives the sign of every ReLU pre-activation
// and the arg-max of every max-pooling block.
double reference_logits(double* z, const Config& c, const ParamLayout& L, const std::vector<double>& P,
                        const double* I, std::vector<uint8_t>& kinks) {
  const int M1 = c.maps1, M2 = c.maps2, H = c.hidden, F = L.flatten;
  const bool relu = c.activation == Activation::ReLU;
  kinks.clear();
  auto pool = [&](const std::vector<double>& in, int C, int S) {
    const int R = S / 2;
    std::vector<double> out(size_t(C) * R * R);
    for (int ch = 0; ch < C; ++ch)
      for (int i = 0; i < R; ++i)
        for (int j = 0; j < R; ++j) {
          const double* b = &in[(size_t(ch) * S + 2 * i) * S + 2 * j];
          const double cells[4] = {b[0], b[1], b[S], b[S + 1]};
          if (c.pooling == Pooling::Average) {
            out[(size_t(ch) * R + i) * R + j] = 0.25 * (cells[0] + cells[1] + cells[2] + cells[3]);
          } else {
            int best = 0;
            for (int k = 1; k < 4; ++k)
              if (cells[k] > cells[best]) best = k;
            kinks.push_back(uint8_t(best + 2));
            out[(size_t(ch) * R + i) * R + j] = cells[best];
          }
        }
    return out;
  };
  // C¹ₘ(i,j) = f(Σ I(i+p, j+q)·K¹ₘ(p,q) + b¹ₘ)   (cross-correlation orientation)
  std::vector<double> c1(size_t(M1) * 576);
  for (int m = 0; m < M1; ++m)
    for (int y = 0; y < 24; ++y)
      for (int x = 0; x < 24; ++x) {
        double sum = P[L.bias1 + m];
        for (int p = 0; p < 5; ++p)
          for (int q = 0; q < 5; ++q) sum += I[(y + p) * 28 + x + q] * P[L.kernels1 + m * 25 + p * 5 + q];
        if (relu) kinks.push_back(sum > 0.0);
        c1[(size_t(m) * 24 + y) * 24 + x] = activate_double(sum, c.activation);
      }
  const auto p1 = pool(c1, M1, 24);
  // C²ₙ = f(Σₘ C_P¹ₘ ⋆ K²ₘₙ + b²ₙ)
  std::vector<double> c2(size_t(M2) * 64);
  for (int n = 0; n < M2; ++n)
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) {
        double sum = P[L.bias2 + n];
        for (int m = 0; m < M1; ++m)
          for (int p = 0; p < 5; ++p)
            for (int q = 0; q < 5; ++q)
              sum += p1[(size_t(m) * 12 + y + p) * 12 + x + q] * P[L.kernels2 + (size_t(n) * M1 + m) * 25 + p * 5 + q];
        if (relu) kinks.push_back(sum > 0.0);
        c2[(size_t(n) * 8 + y) * 8 + x] = activate_double(sum, c.activation);
      }
  const auto flat = pool(c2, M2, 8);  // index n·16 + row·4 + col
  // a₁ = f(W₁·flatten + b₁); z = W₂·a₁ + b₂; L = log Σ e^z − z_label
  std::vector<double> a1(H);
  for (int o = 0; o < H; ++o) {
    double sum = P[L.bias1d + o];
    for (int i = 0; i < F; ++i) sum += P[L.weights1 + size_t(o) * F + i] * flat[i];
    if (relu) kinks.push_back(sum > 0.0);
    a1[o] = activate_double(sum, c.activation);
  }
  double top = -HUGE_VAL;
  for (int k = 0; k < kClasses; ++k) {
    double sum = P[L.bias2d + k];
    for (int i = 0; i < H; ++i) sum += P[L.weights2 + size_t(k) * H + i] * a1[i];
    z[k] = sum;
    top = std::max(top, sum);
  }
  double total = 0.0;
  for (int k = 0; k < kClasses; ++k) total += detmath::exp(z[k] - top);
  return detmath::log(total) + top;
}

// L = log Σ e^z − z_label
double reference_loss(const Config& c, const ParamLayout& L, const std::vector<double>& P,
                      const std::vector<double>& I, int label, std::vector<uint8_t>& kinks) {
  double z[kClasses];
  return reference_logits(z, c, L, P, I.data(), kinks) - z[label];
}

}  // namespace

void reference_probabilities(double* probs10, const Network& net, const double* image784,
                             std::vector<uint8_t>& kinks) {
  const std::vector<double> P(net.params(), net.params() + net.param_count());
  double z[kClasses];
  const double lse = reference_logits(z, net.config(), net.layout(), P, image784, kinks);
  for (int k = 0; k < kClasses; ++k) probs10[k] = detmath::exp(z[k] - lse);
}

std::vector<GradCheckGroup> gradient_check(Network& net, const float* image, int label,
                                           int probesPerGroup, float eps, uint64_t seed) {
  if (label < 0 || label > 9) throw std::invalid_argument("label must be a digit 0..9");
  if (!within(limits::gradcheckProbes, probesPerGroup))
    throw std::invalid_argument(out_of_range(limits::gradcheckProbes, "probes per group", std::to_string(probesPerGroup)));
  net.load_input(image);
  net.forward(label);
  net.backward(label);
  const std::vector<float> backprop(net.grads(), net.grads() + net.param_count());
  std::vector<double> P(net.params(), net.params() + net.param_count());
  const std::vector<double> I(image, image + kImageSize);
  const ParamLayout& L = net.layout();
  std::vector<uint8_t> kinksPlus, kinksMinus;
  Rng rng(seed);
  std::vector<GradCheckGroup> result;
  for (const TensorView& group : net.parameter_views()) {
    GradCheckGroup g;
    g.name = group.name;
    const size_t offset = size_t(group.data - net.params());
    const int count = int(std::min<size_t>(group.size, size_t(probesPerGroup)));
    for (int k = 0; k < count; ++k) {
      const size_t i = offset + (count == int(group.size) ? size_t(k) : rng.below(uint32_t(group.size)));
      const double saved = P[i];
      const double bp = backprop[i];
      // ε, then ε/10 and ε/100 if ±ε straddles a ReLU or max-pooling kink (where the
      // loss has no derivative); the best agreement counts.
      double best = HUGE_VAL, bestAbs = HUGE_VAL;
      bool kink = false;
      for (double e = eps; e >= eps / 150; e /= 10) {
        P[i] = saved + e;
        const double plus = reference_loss(net.config(), L, P, I, label, kinksPlus);
        P[i] = saved - e;
        const double minus = reference_loss(net.config(), L, P, I, label, kinksMinus);
        P[i] = saved;
        kink = kinksPlus != kinksMinus;
        const double fd = (plus - minus) / (2.0 * e);
        const double abs = std::fabs(fd - bp);
        // Relative to the gradients' size. Gradients below 1e-4 are judged against
        // 1e-4: single-precision backprop resolves them only to ≈ 1e-7 absolute (for
        // a confident prediction δ = S − Y is a difference of numbers near 1).
        const double rel = abs / std::max(std::fabs(fd) + std::fabs(bp), 1e-4);
        if (rel < best) { best = rel; bestAbs = abs; }
        if (!kink) break;
      }
      if (kink) {  // not differentiable here, even at ε/100
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
