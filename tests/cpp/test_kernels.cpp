// SIMD (v128) 5×5 kernels against the scalar reference over many sizes: widths
// below, equal to, above and multiples of the 4-lane vector width and of the kernels'
// row tiles (6 vectors = 24 columns). Outputs are filled with NaN first, so a cell
// the kernel fails to write fails the test.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/conv5x5.h"
#include "network/rng.h"
#include "random_vector.h"

using namespace cnnlab;
using cnnlab::testing::random_vector;

namespace {

std::vector<float> nan_vector(size_t n) {
  return std::vector<float>(n, std::numeric_limits<float>::quiet_NaN());
}

// Sizes (H, W) of the input: output widths W−4 from 1 to 24 cover below (1..3),
// equal (4), above (5..7), multiples (8, 12, 16, 20, 24) and odd sizes; tall and
// flat shapes; 28×28 and 12×12 are the network's (the kernels' compile-time paths).
struct Size { int H, W; };
std::vector<Size> sizes() {
  std::vector<Size> s;
  for (int w = 5; w <= 28; ++w) s.push_back({w, w});
  s.push_back({5, 28});
  s.push_back({28, 5});
  s.push_back({7, 20});
  s.push_back({13, 12});
  s.push_back({28, 28});
  return s;
}
// The valid convolution and the kernel gradient have no width limit: also rows wider
// than one column block of the valid kernel (24) and longer than the unrolled rows
// of the gradient (6 chunks).
std::vector<Size> wide_sizes() {
  auto s = sizes();
  for (const Size w : {Size{5, 32}, Size{9, 33}, Size{6, 36}, Size{7, 45}, Size{30, 30}}) s.push_back(w);
  return s;
}

// Relative tolerance with an absolute floor, and the coordinates of a mismatch.
void expect_close(const std::vector<float>& ref, const std::vector<float>& got, float rel,
                  const char* what, int M, int N, int H, int W) {
  ASSERT_EQ(ref.size(), got.size());
  for (size_t i = 0; i < ref.size(); ++i) {
    ASSERT_FALSE(std::isnan(got[i])) << what << ": cell " << i << " not written (M=" << M
                                     << " N=" << N << " H=" << H << " W=" << W << ")";
    const float tol = rel * std::max(1.0f, std::fabs(ref[i]));
    ASSERT_NEAR(ref[i], got[i], tol) << what << ": cell " << i << " (M=" << M << " N=" << N
                                     << " H=" << H << " W=" << W << ")";
  }
}

uint32_t bits(float f) {  // std::bit_cast is missing from Emscripten 3.1.6's libc++
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// Bit for bit (the SIMD kernel adds each output's terms in the reference's order).
void expect_same_bits(const std::vector<float>& ref, const std::vector<float>& got,
                      const char* what, int M, int N, int H, int W) {
  ASSERT_EQ(ref.size(), got.size());
  for (size_t i = 0; i < ref.size(); ++i) {
    ASSERT_FALSE(std::isnan(got[i])) << what << ": cell " << i << " not written (M=" << M
                                     << " N=" << N << " H=" << H << " W=" << W << ")";
    ASSERT_EQ(bits(ref[i]), bits(got[i]))
        << what << ": cell " << i << " is " << got[i] << ", reference " << ref[i] << " (M=" << M
        << " N=" << N << " H=" << H << " W=" << W << ")";
  }
}

}  // namespace

TEST(Conv5x5Kernels, ValidV128MatchesScalarBitForBit) {
  for (const auto [H, W] : wide_sizes())
    for (const auto& [M, N] : {std::pair{1, 1}, std::pair{1, 4}, std::pair{4, 6}, std::pair{3, 2}}) {
      const auto in = random_vector(size_t(M) * H * W, 1 + H * 31 + W);
      const auto k = random_vector(size_t(N) * M * 25, 2 + M);
      const auto b = random_vector(N, 3);
      const size_t outSize = size_t(N) * (H - 4) * (W - 4);
      auto ref = nan_vector(outSize), got = nan_vector(outSize);
      conv5x5_valid_scalar(ref.data(), in.data(), k.data(), b.data(), M, N, H, W);
      conv5x5_valid_v128_tile8(got.data(), in.data(), k.data(), b.data(), M, N, H, W);
      // Same order of operations lane by lane: the same bits.
      expect_same_bits(ref, got, "valid", M, N, H, W);
    }
}

TEST(Conv5x5Kernels, KernelGradV128MatchesScalar) {
  for (const auto [H, W] : wide_sizes())
    for (const auto& [M, N] : {std::pair{1, 1}, std::pair{1, 4}, std::pair{4, 6}, std::pair{2, 3}}) {
      const auto in = random_vector(size_t(M) * H * W, 5 + H * 17 + W);
      const auto dOut = random_vector(size_t(N) * (H - 4) * (W - 4), 6 + W);
      auto ref = nan_vector(size_t(N) * M * 25), got = ref;
      conv5x5_kernel_grad_scalar(ref.data(), in.data(), dOut.data(), M, N, H, W);
      conv5x5_kernel_grad_v128_dot5(got.data(), in.data(), dOut.data(), M, N, H, W);
      // Partial sums per lane change the summation order: relative 1e-5 of the
      // magnitude (sums of up to 576 terms of size ≤ 1).
      expect_close(ref, got, 2e-5f, "kernel_grad", M, N, H, W);
    }
}

// The SIMD kernel gradient's summation order, written out in scalar code: natively
// and in WebAssembly the kernel must give exactly these bits (the pinned loss values
// and the native = WebAssembly test rely on it). Per tap: lane l sums the columns
// x ≡ l (mod 4) below 4·⌊OW/4⌋ over rows, then columns; the other columns go to a
// scalar sum; ΔK = ((l0 + l2) + (l1 + l3)) + tail.
static std::vector<float> kernel_grad_in_documented_order(const std::vector<float>& in,
                                                   const std::vector<float>& dOut, int M, int N,
                                                   int H, int W) {
  const int OH = H - 4, OW = W - 4, vecEnd = OW / 4 * 4;
  std::vector<float> dK(size_t(N) * M * 25);
  for (int n = 0; n < N; ++n)
    for (int m = 0; m < M; ++m)
      for (int p = 0; p < 5; ++p)
        for (int q = 0; q < 5; ++q) {
          float lane[4] = {0, 0, 0, 0}, tail = 0;
          for (int y = 0; y < OH; ++y)
            for (int x = 0; x < OW; ++x) {
              const float t = dOut[(n * OH + y) * OW + x] * in[(m * H + y + p) * W + x + q];
              if (x < vecEnd) lane[x % 4] += t;
              else tail += t;
            }
          dK[((n * M + m) * 5 + p) * 5 + q] = ((lane[0] + lane[2]) + (lane[1] + lane[3])) + tail;
        }
  return dK;
}

TEST(Conv5x5Kernels, KernelGradV128FollowsItsDocumentedOrderBitForBit) {
  for (const auto [H, W] : wide_sizes())
    for (const auto& [M, N] : {std::pair{1, 4}, std::pair{4, 6}, std::pair{2, 3}}) {
      const auto in = random_vector(size_t(M) * H * W, 9 + H * 5 + W);
      const auto dOut = random_vector(size_t(N) * (H - 4) * (W - 4), 10 + W);
      auto got = nan_vector(size_t(N) * M * 25);
      conv5x5_kernel_grad_v128_dot5(got.data(), in.data(), dOut.data(), M, N, H, W);
      expect_same_bits(kernel_grad_in_documented_order(in, dOut, M, N, H, W), got, "kernel_grad order", M, N, H, W);
    }
}

// Blank rows (MNIST's border, δ of dead ReLUs): rows of ±0 in the input, in δ and
// both, and a −0 bias (where skipping would turn the reference's +0 into −0). The
// kernels skip such rows; the results must keep every bit.
TEST(Conv5x5Kernels, BlankRowsAreSkippedWithoutChangingABit) {
  auto blank_rows = [](std::vector<float> v, int planes, int rows, int width, int phase) {
    for (int c = 0; c < planes; ++c)
      for (int y = 0; y < rows; ++y)
        if (y < 5 + c || (y + phase) % 5 < 2 || y >= rows - 2)  // rows 0..4: a blank band
          for (int x = 0; x < width; ++x) v[(c * rows + y) * width + x] = (x + y) % 3 ? 0.0f : -0.0f;
    return v;
  };
  for (const auto [H, W] : wide_sizes())
    for (const auto& [M, N] : {std::pair{1, 4}, std::pair{4, 6}, std::pair{2, 3}}) {
      const int OH = H - 4, OW = W - 4;
      const auto in = blank_rows(random_vector(size_t(M) * H * W, 11 + H + W), M, H, W, 0);
      const auto dOut = blank_rows(random_vector(size_t(N) * OH * OW, 12 + W), N, OH, OW, 2);
      const auto k = random_vector(size_t(N) * M * 25, 13);
      auto b = random_vector(N, 14);
      b[0] = -0.0f;
      auto ref = nan_vector(size_t(N) * OH * OW), got = ref;
      conv5x5_valid_scalar(ref.data(), in.data(), k.data(), b.data(), M, N, H, W);
      conv5x5_valid_v128_tile8(got.data(), in.data(), k.data(), b.data(), M, N, H, W);
      expect_same_bits(ref, got, "valid, blank rows", M, N, H, W);
      auto dK = nan_vector(size_t(N) * M * 25);
      conv5x5_kernel_grad_v128_dot5(dK.data(), in.data(), dOut.data(), M, N, H, W);
      expect_same_bits(kernel_grad_in_documented_order(in, dOut, M, N, H, W), dK, "kernel_grad, blank rows", M, N, H, W);
      if (W <= kMaxFullConvSide - 4 && H <= kMaxFullConvSide - 4 && N <= 16) {
        auto fref = nan_vector(size_t(M) * H * W), fgot = fref;
        conv5x5_full_scalar(fref.data(), dOut.data(), k.data(), M, N, H, W);
        conv5x5_full_v128_tile8(fgot.data(), dOut.data(), k.data(), M, N, H, W);
        expect_same_bits(fref, fgot, "full, blank rows", M, N, H, W);
      }
    }
}

TEST(Conv5x5Kernels, FullV128MatchesScalarBitForBit) {
  for (const auto [H, W] : sizes())
    for (const auto& [M, N] : {std::pair{1, 1}, std::pair{4, 6}, std::pair{3, 2}, std::pair{6, 16}}) {
      const auto dOut = random_vector(size_t(N) * (H - 4) * (W - 4), 7 + H * 13 + W);
      const auto k = random_vector(size_t(N) * M * 25, 8 + N);
      auto ref = nan_vector(size_t(M) * H * W), got = ref;
      conv5x5_full_scalar(ref.data(), dOut.data(), k.data(), M, N, H, W);
      conv5x5_full_v128_tile8(got.data(), dOut.data(), k.data(), M, N, H, W);
      // Same order of the non-zero terms; the padding's extra terms are ±0 and a sum
      // that starts at +0 is never −0, so adding them changes nothing: the same bits.
      expect_same_bits(ref, got, "full", M, N, H, W);
    }
}

// The scalar references themselves against the handout's definitions, on a case
// small enough to write out: a 6×6 input, 2×2 output.
TEST(Conv5x5Kernels, ScalarReferenceMatchesHandoutFormulas) {
  const int H = 6, W = 6;
  std::vector<float> in(H * W), k(25);
  for (int i = 0; i < H * W; ++i) in[i] = float(i % 7) - 3.0f;
  for (int i = 0; i < 25; ++i) k[i] = float(i % 5) * 0.5f - 1.0f + float(i / 5) * 0.25f;
  const float bias = 0.5f;
  std::vector<float> out(4);
  conv5x5_valid_scalar(out.data(), in.data(), k.data(), &bias, 1, 1, H, W);
  // Handout eq. (1): C(i,j) = Σ_{u,v=−2..2} I(i−u, j−v)·K_h(u,v) + b, output (i,j)
  // centred on input (i+2, j+2), K_h = rot180(K): K_h(u,v) = K(2−u, 2−v).
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      double c = bias;
      for (int u = -2; u <= 2; ++u)
        for (int v = -2; v <= 2; ++v)
          c += double(in[(i + 2 - u) * W + (j + 2 - v)]) * k[(2 - u) * 5 + (2 - v)];
      EXPECT_NEAR(out[i * 2 + j], c, 1e-5);
    }
  // ΔK(p,q) = Σ_yx δ(y,x)·I(y+p, x+q), and the full convolution is its adjoint:
  // Σ δIn·I = Σ δ·(I ⋆ K) for all I, δ.
  std::vector<float> delta = {0.5f, -1.0f, 2.0f, 0.25f}, dIn(H * W);
  conv5x5_full_scalar(dIn.data(), delta.data(), k.data(), 1, 1, H, W);
  double lhs = 0, rhs = 0;
  for (int i = 0; i < H * W; ++i) lhs += double(dIn[i]) * in[i];
  for (int i = 0; i < 4; ++i) rhs += double(delta[i]) * (out[i] - bias);
  EXPECT_NEAR(lhs, rhs, 1e-4);
  std::vector<float> dK(25);
  conv5x5_kernel_grad_scalar(dK.data(), in.data(), delta.data(), 1, 1, H, W);
  double lhs2 = 0;
  for (int i = 0; i < 25; ++i) lhs2 += double(dK[i]) * k[i];
  EXPECT_NEAR(lhs2, rhs, 1e-4);
}
