#include "layers/activation.h"

#include "kernels/vec8.h"
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

// ReLU and the derivatives on 4-lane vectors: x > 0 ? v : 0 as v AND the lane mask
// (the same value as the scalar select, +0 where the mask is off), no branches —
// the sign of a pre-activation is unpredictable. The rest one by one.

void activation_forward(float* out, const float* pre, int n, Activation f) {
  if (f == Activation::ReLU) {
    const int vecEnd = n / 4 * 4;
    for (int i = 0; i < vecEnd; i += 4) {
      const f32x4 x = load4(pre + i);
      store4(out + i, (f32x4)((i32x4)x & (x > splat4(0.0f))));
    }
    for (int i = vecEnd; i < n; ++i) out[i] = pre[i] > 0.0f ? pre[i] : 0.0f;
  } else {
    for (int i = 0; i < n; ++i) out[i] = activate(pre[i], f);
  }
}

void activation_backward(float* dPre, const float* dOut, const float* pre,
                         const float* out, int n, Activation f) {
  const int vecEnd = n / 4 * 4;
  const f32x4 zero = splat4(0.0f), one = splat4(1.0f);
  switch (f) {
    case Activation::ReLU:
      for (int i = 0; i < vecEnd; i += 4)
        store4(dPre + i, (f32x4)((i32x4)load4(dOut + i) & (load4(pre + i) > zero)));
      for (int i = vecEnd; i < n; ++i) dPre[i] = pre[i] > 0.0f ? dOut[i] : 0.0f;
      break;
    case Activation::Tanh:
      for (int i = 0; i < vecEnd; i += 4) {
        const f32x4 y = load4(out + i);
        store4(dPre + i, load4(dOut + i) * (one - y * y));
      }
      for (int i = vecEnd; i < n; ++i) dPre[i] = dOut[i] * (1.0f - out[i] * out[i]);
      break;
    case Activation::Sigmoid:
      for (int i = 0; i < vecEnd; i += 4) {
        const f32x4 y = load4(out + i);
        store4(dPre + i, load4(dOut + i) * (y * (one - y)));
      }
      for (int i = vecEnd; i < n; ++i) dPre[i] = dOut[i] * (out[i] * (1.0f - out[i]));
      break;
  }
}

}  // namespace cnnlab
