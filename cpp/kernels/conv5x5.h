// 5×5 convolution kernels: the three loops of the handout that touch a 5×5 kernel.
//
// Shape letters (used throughout this file):
//   M  input maps (channels of `in`)         N  output maps (channels of `out`)
//   H, W   input height/width                OH = H − 4, OW = W − 4 (valid output)
//   kernels are stored [N][M][5][5] (PyTorch's out, in, row, col order).
//
// Orientation: the core stores every kernel in CROSS-CORRELATION orientation,
//   out(y,x) = Σ_p Σ_q in(y+p, x+q) · K(p,q),   p,q = 0..4, 0-based,
// which is the handout's true convolution C(i,j) = Σ_u Σ_v I(i−u, j−v)·K_h(u,v)
// (u,v = −2..2, eq. (1) p. 2) with K(p,q) = K_h(2−p, 2−q), i.e. K = rot180(K_h).
// Deep-learning libraries use this orientation, so weights files need no flipping.
//
// Each operation has a plain scalar reference (`*_scalar`) and a SIMD version on
// 4-lane vectors (`*_v128_<tile>`, conv5x5_v128.cpp: WebAssembly SIMD under Emscripten,
// SSE/AVX 128-bit natively — the same code and the same results on both) with the same
// signature. The network calls the names without a suffix, chosen in ONE place at the
// bottom of this file. Why these tiles: README, "Kernels".
//
// All three overwrite their whole output (no accumulation into the caller's
// buffer), so a test can fill the output with NaN first.
#pragma once

namespace cnnlab {

// Largest padded plane the full convolution supports: (OH+8)·(OW+8) floats.
inline constexpr int kMaxFullConvSide = 32;

// Forward, valid (handout eq. (1) p. 2 and p. 3 for C²):
//   out[n][y][x] = bias[n] + Σ_m Σ_p Σ_q in[m][y+p][x+q] · kernels[n][m][p][q]
// out: [N][OH][OW]   in: [M][H][W]   kernels: [N][M][5][5]   bias: [N]
void conv5x5_valid_scalar(float* out, const float* in, const float* kernels,
                          const float* bias, int M, int N, int H, int W);
// SIMD: tiles of up to 8 four-lane accumulators (whole output rows × as many rows as
// fit), each output's terms in the reference's order, skipping the blank (all ±0)
// input rows at the top and bottom, which add only ±0: equal to it bit for bit.
void conv5x5_valid_v128_tile8(float* out, const float* in, const float* kernels,
                              const float* bias, int M, int N, int H, int W);

// Weight gradient (handout p. 4: ΔK²ₘₙ(u,v) = Σᵢⱼ δC²ₙ(i,j)·C_P¹ₘ(i−u, j−v), and
// p. 5 for ΔK¹), in cross-correlation orientation:
//   dKernels[n][m][p][q] = Σ_y Σ_x dOut[n][y][x] · in[m][y+p][x+q]
// dKernels: [N][M][5][5]   in: [M][H][W]   dOut: [N][OH][OW]
void conv5x5_kernel_grad_scalar(float* dKernels, const float* in, const float* dOut,
                                int M, int N, int H, int W);
// SIMD: per (n, m, p) the five taps q as five 4-lane dot products over x (partial
// sums per x mod 4, then (l0 + l2) + (l1 + l3)), over the rows where neither δ nor the
// input is blank: equal to the reference to rounding.
void conv5x5_kernel_grad_v128_dot5(float* dKernels, const float* in, const float* dOut,
                                   int M, int N, int H, int W);

// δ of the input, a FULL convolution (handout p. 5:
//   δC_P¹ₘ = Σₙ δC²ₙ ⊛ rot180(K²ₘₙ) — "note that this is full convolution"):
//   dIn[m][i][j] = Σ_n Σ_p Σ_q dOut[n][i−p][j−q] · kernels[n][m][p][q]
// (terms with dOut outside its OH×OW are zero).
// dIn: [M][H][W]   dOut: [N][OH][OW]   kernels: [N][M][5][5];  H, W ≤ kMaxFullConvSide − 4 = 28, N ≤ 16.
void conv5x5_full_scalar(float* dIn, const float* dOut, const float* kernels,
                         int M, int N, int H, int W);
// SIMD: the valid tiles over δ zero-padded by 4, skipping the all-zero rows; the
// non-zero terms in the reference's order: equal to it bit for bit.
void conv5x5_full_v128_tile8(float* dIn, const float* dOut, const float* kernels,
                             int M, int N, int H, int W);

// ---- the one place where the network's kernels are chosen ----
#if defined(CNNLAB_SCALAR_KERNELS)
inline constexpr auto conv5x5_valid = conv5x5_valid_scalar;
inline constexpr auto conv5x5_kernel_grad = conv5x5_kernel_grad_scalar;
inline constexpr auto conv5x5_full = conv5x5_full_scalar;
inline constexpr const char* kConvKernelName = "scalar";
#else
// The fastest measured under V8 (Node and Chromium), natively too; one set for both,
// so native and WebAssembly training give the same bits.
inline constexpr auto conv5x5_valid = conv5x5_valid_v128_tile8;
inline constexpr auto conv5x5_kernel_grad = conv5x5_kernel_grad_v128_dot5;
inline constexpr auto conv5x5_full = conv5x5_full_v128_tile8;
inline constexpr const char* kConvKernelName = "v128";
#endif

}  // namespace cnnlab
