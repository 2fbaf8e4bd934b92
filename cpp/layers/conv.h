// A 5×5 valid convolution layer, every input map to every output map
// (handout eq. (1) p. 2 for C¹, p. 3 for C²; gradients pp. 4–5).
// Kernels in cross-correlation orientation, see kernels/conv5x5.h.
// Shape letters: M input maps, N output maps, S×S input, S−4 × S−4 output.
#pragma once

namespace cnnlab {

// Pre-activation: pre[n] = Σ_m in[m] ⋆ K[n][m] + b[n]   (eq. (1), p. 3 C² before f)
// pre: [N][S−4][S−4]   in: [M][S][S]   kernels: [N][M][5][5]   bias: [N]
void conv_forward(float* pre, const float* in, const float* kernels, const float* bias,
                  int M, int N, int S);

// Given δ of the pre-activation (δC, f′ already applied):
//   ΔK[n][m](u,v) = Σᵢⱼ δC[n](i,j)·in[m](i−u, j−v)      (p. 4 ΔK², p. 5 ΔK¹)
//   Δb[n] = Σᵢⱼ δC[n](i,j)                              (p. 5 boxed Δb², Δb¹)
//   δin[m] = Σₙ δC[n] ⊛ rot180(K[n][m]), full conv       (p. 5 boxed δC_P¹)
// dIn may be null (layer 1: "no δ is needed for the input image").
// dKernels: [N][M][5][5]   dBias: [N]   dIn: [M][S][S]   dPre: [N][S−4][S−4]
// in: [M][S][S]   kernels: [N][M][5][5]
void conv_backward(float* dKernels, float* dBias, float* dIn, const float* dPre,
                   const float* in, const float* kernels, int M, int N, int S);

// Δb[n] = Σᵢⱼ δC[n](i,j)   (p. 5 boxed Δb², Δb¹), part of conv_backward.
// dBias: [N]   dPre: [N][O][O]
void conv_bias_grad(float* dBias, const float* dPre, int N, int O);

}  // namespace cnnlab
