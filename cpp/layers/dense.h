// A dense layer, W stored out×in (handout p. 3: a₁ = f(flatten × W₁ + b₁), read as
// W₁·flatten + b₁; backprop p. 4). Shape letters: O outputs, I inputs.
#pragma once

namespace cnnlab {

// out[o] = b[o] + Σ_i W[o][i] · in[i]
// out: [O]   in: [I]   W: [O][I]   b: [O]
void dense_forward(float* out, const float* in, const float* W, const float* b, int O, int I);

// ΔW = δ · inᵀ, Δb = δ (p. 4: ΔW₂ = δ × a₁ᵀ, Δb₂ = δ; ΔW₁ = δ₁ × flattenᵀ, Δb₁ = δ₁)
// dIn = Wᵀ δ (p. 4: δ_flatten = W₁ᵀ × δ₁, and W₂ᵀ δ inside δ₁); dIn may be null.
// dW: [O][I]   db: [O]   dIn: [I]   dOut (= δ): [O]   in: [I]   W: [O][I]
void dense_backward(float* dW, float* db, float* dIn, const float* dOut, const float* in,
                    const float* W, int O, int I);

}  // namespace cnnlab
