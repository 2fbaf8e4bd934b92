// The handout's network: forward pass (pp. 2–3) and backpropagation (pp. 4–5) of one
// sample, over one flat parameter buffer and a matching gradient buffer.
//
// Shape letters: M1 = maps1, M2 = maps2, H = hidden, F = 16·M2 (flatten).
#pragma once
#include <cassert>
#include <cstdint>
#include <string>
#include <vector>

#include "network/config.h"

namespace cnnlab {

// A named view of one tensor of the network (parameters, gradients, activations, δ).
struct TensorView {
  std::string name;
  std::vector<int> shape;
  float* data;
  size_t size;
};

class Network {
 public:
  // Glorot-uniform kernels and weights from the project's Rng(seed), zero biases
  // (reading 2: bound √(6/(fan_in+fan_out)), fan = maps·25 for kernels).
  Network(const Config& config, uint32_t seed);

  const Config& config() const { return config_; }
  const ParamLayout& layout() const { return layout_; }
  size_t param_count() const { return layout_.total; }
  float* params() { return params_.data(); }
  const float* params() const { return params_.data(); }
  float* grads() { return grads_.data(); }
  // Makes `next` (the same size) the parameter buffer and hands the old one back:
  // the SGD step writes θ_new into a scratch buffer and swaps it in (no copy).
  void swap_params(std::vector<float>& next) {
    assert(next.size() == params_.size());
    params_.swap(next);
  }
  const float* grads() const { return grads_.data(); }

  // Sets `input` from 784 bytes: I = byte / 255.
  void load_input(const uint8_t* image);
  // Sets `input` from 784 floats in [0, 1].
  void load_input(const float* image);

  // Forward pass of `input`; returns the cross-entropy loss for `label`
  // (0 if label < 0). Fills every forward tensor.
  double forward(int label) { return forward_from(Stage::Input, label); }

  // Where a forward pass can resume: after the named tensor was changed in place
  // (the gradient check perturbs intermediate tensors to test every δ).
  enum class Stage { Input, Conv1Pre, Pool1, Conv2Pre, Flatten, Fc1Pre, Logits };
  double forward_from(Stage from, int label);
  // Backward pass for `label` after forward(): every δ and the whole gradient
  // buffer (overwritten, not accumulated).
  void backward(int label);

  // "Why this answer", after forward(): out784 ← ∂S_k/∂I, how S_k changes with each
  // input pixel. The handout's backprop (pp. 4–5) with ∂S_k/∂z = S_k(e_k − S) at the
  // output in place of δ = S − Y, carried one step further than the handout goes:
  //   δI = Σₘ δC¹ₘ ⊛ rot180(K¹ₘ), a full convolution (24×24 with 5×5 gives 28×28),
  // the same kernel that gives δC_P¹ from δC² (p. 5). Every δ and the gradient
  // buffer then hold this pass's values (∂S_k/∂θ), as after backward().
  void saliency(float* out784, int k);

  int predicted_class() const;
  const float* probs() const { return probs_.data(); }
  // a₁ of the last forward pass (`hidden` values).
  const float* hidden() const { return fc1_.data(); }

  // Parameter and gradient tensors (PyTorch names, the order of param_tensors),
  // and the tensors of the last forward pass (I, then "conv1_pre" ... "probs") and
  // backward pass ("delta_out" ... "delta_conv1"), in a fixed order.
  std::vector<TensorView> parameter_views();
  std::vector<TensorView> gradient_views();
  std::vector<TensorView> forward_views();
  std::vector<TensorView> delta_views();

 private:
  // Backprop from δ of the logits (deltaOut_) down to δC¹ and every gradient;
  // also δI into deltaInput (784 values) when it is not null.
  void backpropagate(float* deltaInput);

  Config config_;
  ParamLayout layout_;
  std::vector<float> params_, grads_;
  // Forward tensors (handout names): I, C¹ before/after f, C_P¹, C², C_P² (= flatten),
  // W₁·flatten + b₁, a₁, logits (W₂·a₁ + b₂), S.
  std::vector<float> input_, conv1Pre_, conv1_, pool1_, conv2Pre_, conv2_, pool2_;
  std::vector<float> fc1Pre_, fc1_, logits_, probs_;
  // Backward tensors: δ = S − Y, ∂L/∂a₁, δ₁, δ_flatten (= δC_P²), ∂L/∂C² (after f),
  // δC² (before f, ·f′ applied), δC_P¹, ∂L/∂C¹ (after f), δC¹ (·f′ applied).
  std::vector<float> deltaOut_, deltaA1_, delta1_, deltaFlatten_, deltaConv2Out_,
      deltaConv2_, deltaPool1_, deltaConv1Out_, deltaConv1_;
};

}  // namespace cnnlab
