#include "network/network.h"

#include <cmath>

#include "layers/activation.h"
#include "layers/conv.h"
#include "layers/dense.h"
#include "layers/pool.h"
#include "layers/softmax_xent.h"
#include "network/rng.h"

namespace cnnlab {

Network::Network(const Config& config, uint32_t seed) : config_(config), layout_(config) {
  const int M1 = config.maps1, M2 = config.maps2, H = config.hidden, F = 16 * M2;
  params_.assign(layout_.total, 0.0f);
  grads_.assign(layout_.total, 0.0f);
  input_.assign(kImageSize, 0.0f);
  conv1Pre_.assign(M1 * 24 * 24, 0.0f);
  conv1_ = conv1Pre_;
  deltaConv1Out_ = conv1Pre_;
  deltaConv1_ = conv1Pre_;
  pool1_.assign(M1 * 12 * 12, 0.0f);
  deltaPool1_ = pool1_;
  conv2Pre_.assign(M2 * 8 * 8, 0.0f);
  conv2_ = conv2Pre_;
  deltaConv2Out_ = conv2Pre_;
  deltaConv2_ = conv2Pre_;
  pool2_.assign(F, 0.0f);
  deltaFlatten_ = pool2_;
  fc1Pre_.assign(H, 0.0f);
  fc1_ = fc1Pre_;
  deltaA1_ = fc1Pre_;
  delta1_ = fc1Pre_;
  logits_.assign(kClasses, 0.0f);
  probs_ = logits_;
  deltaOut_ = logits_;

  // Reading 2: Glorot uniform, drawn in buffer order; biases stay 0.
  Rng rng(seed);
  auto fill = [&](size_t at, size_t count, int fanIn, int fanOut) {
    const float bound = float(std::sqrt(6.0 / double(fanIn + fanOut)));
    for (size_t i = 0; i < count; ++i) params_[at + i] = rng.symmetric(bound);
  };
  fill(layout_.kernels1, size_t(M1) * 25, 1 * 25, M1 * 25);        // √(6/((1+4)·5²))
  fill(layout_.kernels2, size_t(M2) * M1 * 25, M1 * 25, M2 * 25);  // √(6/((4+6)·5²))
  fill(layout_.weights1, size_t(H) * F, F, H);                     // √(6/(96+50))
  fill(layout_.weights2, size_t(kClasses) * H, H, kClasses);       // √(6/(50+10))
}

namespace {
// byte / 255 for every byte, computed once: the same quotients as dividing each
// pixel (a lookup instead of 784 divisions per sample, ≈ 0.4 µs of a WASM step).
struct ByteToUnit {
  float value[256];
  ByteToUnit() {
    for (int b = 0; b < 256; ++b) value[b] = float(b) / 255.0f;
  }
};
const ByteToUnit kByteToUnit;
}  // namespace

void Network::load_input(const uint8_t* image) {
  for (int i = 0; i < kImageSize; ++i) input_[i] = kByteToUnit.value[image[i]];
}
void Network::load_input(const float* image) {
  for (int i = 0; i < kImageSize; ++i) input_[i] = image[i];
}

double Network::forward_from(Stage from, int label) {
  const Config& c = config_;
  const ParamLayout& L = layout_;
  const int M1 = c.maps1, M2 = c.maps2, H = c.hidden, F = L.flatten;
  const float* P = params_.data();
  switch (from) {
    case Stage::Input:
      // C¹ₘ = f(I ⋆ K¹ₘ + b¹ₘ)                            eq. (1), p. 2
      conv_forward(conv1Pre_.data(), input_.data(), P + L.kernels1, P + L.bias1, 1, M1, 28);
      [[fallthrough]];
    case Stage::Conv1Pre:
      // f, then C_P¹ₘ(i,j) = ¼ Σ C¹ₘ(2i−u, 2j−v)         eq. (3), p. 3 (one pass)
      activation_pool_forward(conv1_.data(), pool1_.data(), conv1Pre_.data(), M1, 24,
                              c.activation, c.pooling);
      [[fallthrough]];
    case Stage::Pool1:
      // C²ₙ = f(Σₘ C_P¹ₘ ⋆ K²ₘₙ + b²ₙ)                     p. 3 (reading 5)
      conv_forward(conv2Pre_.data(), pool1_.data(), P + L.kernels2, P + L.bias2, M1, M2, 12);
      [[fallthrough]];
    case Stage::Conv2Pre:
      // f, then C_P²ₙ and flatten (index n·16 + row·4 + col)  p. 3 (reading 6, 8)
      activation_pool_forward(conv2_.data(), pool2_.data(), conv2Pre_.data(), M2, 8,
                              c.activation, c.pooling);
      [[fallthrough]];
    case Stage::Flatten:
      // a₁ = f(W₁·flatten + b₁)                           p. 3 (reading 7)
      dense_forward(fc1Pre_.data(), pool2_.data(), P + L.weights1, P + L.bias1d, H, F);
      [[fallthrough]];
    case Stage::Fc1Pre:
      activation_forward(fc1_.data(), fc1Pre_.data(), H, c.activation);
      // logits z = W₂·a₁ + b₂                             p. 3
      dense_forward(logits_.data(), fc1_.data(), P + L.weights2, P + L.bias2d, kClasses, H);
      [[fallthrough]];
    case Stage::Logits:
      // a₂ = S = softmax(z), L = −log S_label              p. 3
      return softmax_xent_forward(probs_.data(), logits_.data(), label, kClasses);
  }
  return 0.0f;
}

void Network::backward(int label) {
  // δ = S − Y                                          p. 4
  softmax_xent_backward(deltaOut_.data(), probs_.data(), label, kClasses);
  backpropagate(nullptr);
}

void Network::saliency(float* out, int k) {
  // ∂S_k/∂z_j = S_k(δ_kj − S_j): the softmax Jacobian's row k, the δ of the logits
  // when the quantity followed back is S_k instead of the loss. 1 − S_k is summed as
  // Σ_{j≠k} S_j: for a confident answer S_k ≈ 1 and 1 − S_k in single precision
  // would keep few correct digits.
  const float sk = probs_[k];
  float others = 0.0f;
  for (int j = 0; j < kClasses; ++j)
    if (j != k) others += probs_[j];
  for (int j = 0; j < kClasses; ++j) deltaOut_[j] = j == k ? sk * others : -sk * probs_[j];
  backpropagate(out);
}

void Network::backpropagate(float* deltaInput) {
  const Config& c = config_;
  const ParamLayout& L = layout_;
  const int M1 = c.maps1, M2 = c.maps2, H = c.hidden, F = L.flatten;
  const float* P = params_.data();
  float* G = grads_.data();
  // ΔW₂ = δ·a₁ᵀ, Δb₂ = δ, and W₂ᵀδ                     p. 4
  dense_backward(G + L.weights2, G + L.bias2d, deltaA1_.data(), deltaOut_.data(),
                 fc1_.data(), P + L.weights2, kClasses, H);
  // δ₁ = W₂ᵀδ ⊙ f′                                     p. 4
  activation_backward(delta1_.data(), deltaA1_.data(), fc1Pre_.data(), fc1_.data(), H,
                      c.activation);
  // ΔW₁ = δ₁·flattenᵀ, Δb₁ = δ₁, δ_flatten = W₁ᵀδ₁       p. 4
  dense_backward(G + L.weights1, G + L.bias1d, deltaFlatten_.data(), delta1_.data(),
                 pool2_.data(), P + L.weights1, H, F);
  // δC²ₙ(i,j) = ¼ δ_flatten(⌈i/2⌉, ⌈j/2⌉) · f′          p. 4 (one pass)
  pool_activation_backward(deltaConv2Out_.data(), deltaConv2_.data(), deltaFlatten_.data(),
                           conv2Pre_.data(), conv2_.data(), M2, 8, c.activation, c.pooling);
  // ΔK²ₘₙ = Σ δC²ₙ(i,j)·C_P¹ₘ(i−u,j−v), Δb²ₙ = Σ δC²ₙ,
  // δC_P¹ₘ = Σₙ δC²ₙ ⊛ rot180(K²ₘₙ) (full)               pp. 4–5
  conv_backward(G + L.kernels2, G + L.bias2, deltaPool1_.data(), deltaConv2_.data(),
                pool1_.data(), P + L.kernels2, M1, M2, 12);
  // δC¹ₘ(i,j) = ¼ δC_P¹ₘ(⌈i/2⌉, ⌈j/2⌉) · f′             p. 5 (one pass)
  pool_activation_backward(deltaConv1Out_.data(), deltaConv1_.data(), deltaPool1_.data(),
                           conv1Pre_.data(), conv1_.data(), M1, 24, c.activation, c.pooling);
  // ΔK¹ₘ = Σ δC¹ₘ(i,j)·I(i−u,j−v), Δb¹ₘ = Σ δC¹ₘ          p. 5
  // (and, one step past the handout, δI = Σₘ δC¹ₘ ⊛ rot180(K¹ₘ) (full) when asked)
  conv_backward(G + L.kernels1, G + L.bias1, deltaInput, deltaConv1_.data(), input_.data(),
                P + L.kernels1, 1, M1, 28);
}

int Network::predicted_class() const {
  int best = 0;
  for (int k = 1; k < kClasses; ++k)
    if (probs_[k] > probs_[best]) best = k;
  return best;
}

namespace {
std::vector<TensorView> param_like(float* base, const Config& config) {
  std::vector<TensorView> out;
  for (const ParamTensor& t : param_tensors(config))
    out.push_back({t.name, std::vector<int>(t.shape.begin(), t.shape.begin() + t.rank), base + t.offset, t.size});
  return out;
}
TensorView view(const char* name, std::vector<int> shape, std::vector<float>& v) {
  return {name, std::move(shape), v.data(), v.size()};
}
}  // namespace

std::vector<TensorView> Network::parameter_views() { return param_like(params_.data(), config_); }
std::vector<TensorView> Network::gradient_views() { return param_like(grads_.data(), config_); }

std::vector<TensorView> Network::forward_views() {
  const int M1 = config_.maps1, M2 = config_.maps2, H = config_.hidden, F = layout_.flatten;
  return {
      view("input", {28, 28}, input_),
      view("conv1_pre", {M1, 24, 24}, conv1Pre_),
      view("conv1", {M1, 24, 24}, conv1_),
      view("pool1", {M1, 12, 12}, pool1_),
      view("conv2_pre", {M2, 8, 8}, conv2Pre_),
      view("conv2", {M2, 8, 8}, conv2_),
      view("pool2", {M2, 4, 4}, pool2_),
      view("flatten", {F}, pool2_),
      view("fc1_pre", {H}, fc1Pre_),
      view("fc1", {H}, fc1_),
      view("logits", {kClasses}, logits_),
      view("probs", {kClasses}, probs_),
  };
}

std::vector<TensorView> Network::delta_views() {
  const int M1 = config_.maps1, M2 = config_.maps2, H = config_.hidden, F = layout_.flatten;
  return {
      view("delta_out", {kClasses}, deltaOut_),
      view("delta_a1", {H}, deltaA1_),
      view("delta1", {H}, delta1_),
      view("delta_flatten", {F}, deltaFlatten_),
      view("delta_conv2_out", {M2, 8, 8}, deltaConv2Out_),
      view("delta_conv2", {M2, 8, 8}, deltaConv2_),
      view("delta_pool1", {M1, 12, 12}, deltaPool1_),
      view("delta_conv1_out", {M1, 24, 24}, deltaConv1Out_),
      view("delta_conv1", {M1, 24, 24}, deltaConv1_),
  };
}

}  // namespace cnnlab
