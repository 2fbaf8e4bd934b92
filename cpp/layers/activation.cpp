#include "layers/activation.h"

#include "layers/detmath.h"

namespace cnnlab {

float activate(float x, Activation f) {
  switch (f) {
    case Activation::ReLU: return x > 0.0f ? x : 0.0f;
    case Activation::Tanh: return detmath::tanh(x);
    case Activation::Sigmoid: return detmath::sigmoid(x);
  }
  return x;
}

float activate_derivative(float x, Activation f) {
  switch (f) {
    case Activation::ReLU: return x > 0.0f ? 1.0f : 0.0f;
    case Activation::Tanh: { const float t = detmath::tanh(x); return 1.0f - t * t; }
    case Activation::Sigmoid: { const float s = detmath::sigmoid(x); return s * (1.0f - s); }
  }
  return 1.0f;
}

void activation_forward(float* out, const float* pre, int n, Activation f) {
  if (f == Activation::ReLU) {
    for (int i = 0; i < n; ++i) out[i] = pre[i] > 0.0f ? pre[i] : 0.0f;
  } else {
    for (int i = 0; i < n; ++i) out[i] = activate(pre[i], f);
  }
}

void activation_backward(float* dPre, const float* dOut, const float* pre,
                         const float* out, int n, Activation f) {
  switch (f) {
    case Activation::ReLU:
      for (int i = 0; i < n; ++i) dPre[i] = pre[i] > 0.0f ? dOut[i] : 0.0f;
      break;
    case Activation::Tanh:
      for (int i = 0; i < n; ++i) dPre[i] = dOut[i] * (1.0f - out[i] * out[i]);
      break;
    case Activation::Sigmoid:
      for (int i = 0; i < n; ++i) dPre[i] = dOut[i] * (out[i] * (1.0f - out[i]));
      break;
  }
}

}  // namespace cnnlab
