// The activation f of the hidden layers (handout pp. 2–3: C = f(...), a₁ = f(...))
// and its derivative f′ used in every δ of pp. 4–5. ReLU′(0) = 0.
// Shape letter: n = number of elements.
#pragma once

namespace cnnlab {

enum class Activation { ReLU, Tanh, Sigmoid };

// out[i] = f(pre[i])
void activation_forward(float* out, const float* pre, int n, Activation f);

// dPre[i] = dOut[i] · f′(pre[i]), with f′ taken from the stored output where that
// is exact: tanh′ = 1 − out², sigmoid′ = out(1 − out); relu′ = [pre > 0].
void activation_backward(float* dPre, const float* dOut, const float* pre,
                         const float* out, int n, Activation f);

// f and f′ of one value, for tests and the UI.
float activate(float x, Activation f);
float activate_derivative(float x, Activation f);

}  // namespace cnnlab
