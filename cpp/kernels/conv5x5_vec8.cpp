// SIMD 5×5 kernels on 8-lane vectors (see vec8.h). Same signatures and, lane by
// lane, the same order of floating-point operations as conv5x5_scalar.cpp for the
// valid and full convolutions (so they agree bit for bit); the kernel gradient sums
// 8 partial sums per tap in a fixed order, so it agrees to rounding.
// Shapes: see conv5x5.h (M in maps, N out maps, H×W input, OH = H−4, OW = W−4).
#include <algorithm>
#include <cassert>

#include "kernels/conv5x5.h"
#include "kernels/vec8.h"

namespace cnnlab {
namespace {

constexpr int kTile = 4;  // output vectors computed together; a splat is reused 4×

// Valid cross-correlation core shared by the forward and the full convolution.
//   out[o][y][x] = init[o] + Σ_c Σ_p Σ_q in[c][y+p][x+q] · tap(o, c, p, q)
// in: C planes of inH×inW (plane stride inH·inW); out: O planes of OH×OW.
// The tap is kernels[o·oStride + c·cStride + (p·5+q)], or (Flip) the rot180 tap
// kernels[... + (4−p)·5 + (4−q)].
// Column chunks start at 0, 8, 16, ... and, when OW is not a multiple of 8, at
// OW − 8 (that last chunk overlaps the previous one and recomputes the same values).
template <bool Flip>
void valid_core(float* out, const float* in, const float* kernels, const float* init,
                int C, int O, int inH, int inW, int oStride, int cStride) {
  const int OH = inH - 4, OW = inW - 4, plane = inH * inW;
  if (OW < 8) {  // too narrow for a vector: scalar, same order
    for (int o = 0; o < O; ++o)
      for (int y = 0; y < OH; ++y)
        for (int x = 0; x < OW; ++x) {
          float acc = init ? init[o] : 0.0f;
          for (int c = 0; c < C; ++c) {
            const float* k = kernels + o * oStride + c * cStride;
            const float* src = in + c * plane;
            for (int p = 0; p < 5; ++p)
              for (int q = 0; q < 5; ++q)
                acc += src[(y + p) * inW + x + q] * k[Flip ? (4 - p) * 5 + (4 - q) : p * 5 + q];
          }
          out[(o * OH + y) * OW + x] = acc;
        }
    return;
  }
  const int chunksPerRow = (OW + 7) / 8;
  const int total = OH * chunksPerRow;
  for (int o = 0; o < O; ++o) {
    const float b = init ? init[o] : 0.0f;
    float* dst = out + o * OH * OW;
    for (int first = 0; first < total; first += kTile) {
      const int count = std::min(kTile, total - first);
      int inOff[kTile], outOff[kTile];
      for (int t = 0; t < kTile; ++t) {
        const int idx = first + std::min(t, count - 1);  // unused lanes repeat the last
        const int y = idx / chunksPerRow;
        const int x0 = std::min((idx % chunksPerRow) * 8, OW - 8);
        inOff[t] = y * inW + x0;
        outOff[t] = y * OW + x0;
      }
      f32x8 acc[kTile];
      for (int t = 0; t < kTile; ++t) acc[t] = splat8(b);
      for (int c = 0; c < C; ++c) {
        const float* k = kernels + o * oStride + c * cStride;
        const float* src = in + c * plane;
        for (int p = 0; p < 5; ++p)
          for (int q = 0; q < 5; ++q) {
            const f32x8 w = splat8(k[Flip ? (4 - p) * 5 + (4 - q) : p * 5 + q]);
            const float* row = src + p * inW + q;
            for (int t = 0; t < kTile; ++t) acc[t] += load8(row + inOff[t]) * w;
          }
      }
      for (int t = 0; t < count; ++t) store8(dst + outOff[t], acc[t]);
    }
  }
}

// Rows of the full convolution (see conv5x5_full_vec8) with C8 8-lane chunks, then
// a 4-lane chunk if C4, then scalar columns; all kept in registers over n, p, q.
template <int C8, bool C4>
void full_rows(float* dIn, const float* padded, const float* kernels, int M, int N, int H, int W) {
  const int OH = H - 4, PW = W + 4;
  const int tailStart = C8 * 8 + (C4 ? 4 : 0);
  for (int m = 0; m < M; ++m)
    for (int i = 0; i < H; ++i) {
      const int pLo = std::max(0, 4 - i), pHi = std::min(4, OH + 3 - i);
      f32x8 acc8[C8 > 0 ? C8 : 1];
      for (int c = 0; c < C8; ++c) acc8[c] = splat8(0.0f);
      f32x4 acc4 = splat4(0.0f);
      float tail[4] = {0, 0, 0, 0};
      for (int n = 0; n < N; ++n) {
        const float* k = kernels + (n * M + m) * 25;
        for (int p = pLo; p <= pHi; ++p) {
          const float* row = padded + (n * OH + i + p - 4) * PW;
          for (int q = 0; q < 5; ++q) {
            const float w = k[(4 - p) * 5 + (4 - q)];
            for (int c = 0; c < C8; ++c) acc8[c] += load8(row + c * 8 + q) * splat8(w);
            if (C4) acc4 += load4(row + C8 * 8 + q) * splat4(w);
            for (int j = tailStart; j < W; ++j) tail[j - tailStart] += row[j + q] * w;
          }
        }
      }
      float* out = dIn + (m * H + i) * W;
      for (int c = 0; c < C8; ++c) store8(out + c * 8, acc8[c]);
      if (C4) store4(out + C8 * 8, acc4);
      for (int j = tailStart; j < W; ++j) out[j] = tail[j - tailStart];
    }
}

}  // namespace

void conv5x5_valid_vec8(float* out, const float* in, const float* kernels,
                        const float* bias, int M, int N, int H, int W) {
  valid_core<false>(out, in, kernels, bias, M, N, H, W, M * 25, 25);
}

void conv5x5_kernel_grad_vec8(float* dKernels, const float* in, const float* dOut,
                              int M, int N, int H, int W) {
  const int OH = H - 4, OW = W - 4;
  const int chunks = OW / 8, tailStart = chunks * 8;
  for (int n = 0; n < N; ++n)
    for (int m = 0; m < M; ++m)
      for (int p = 0; p < 5; ++p) {
        f32x8 acc[5];
        float tail[5] = {0, 0, 0, 0, 0};
        for (int q = 0; q < 5; ++q) acc[q] = splat8(0.0f);
        for (int y = 0; y < OH; ++y) {
          const float* d = dOut + (n * OH + y) * OW;
          const float* src = in + (m * H + y + p) * W;
          for (int c = 0; c < chunks; ++c) {
            const f32x8 dv = load8(d + c * 8);
            for (int q = 0; q < 5; ++q) acc[q] += dv * load8(src + c * 8 + q);
          }
          for (int x = tailStart; x < OW; ++x)
            for (int q = 0; q < 5; ++q) tail[q] += d[x] * src[x + q];
        }
        // Lane sums by shuffles: 8 → 4 lanes, then four taps at once.
        f32x4 half[5];
        for (int q = 0; q < 5; ++q) half[q] = low4(acc[q]) + high4(acc[q]);
        const f32x4 first4 = sum4x4(half[0], half[1], half[2], half[3]) + load4(tail);
        float* dk = dKernels + ((n * M + m) * 5 + p) * 5;
        store4(dk, first4);
        dk[4] = ((half[4][0] + half[4][1]) + (half[4][2] + half[4][3])) + tail[4];
      }
}

void conv5x5_full_vec8(float* dIn, const float* dOut, const float* kernels,
                       int M, int N, int H, int W) {
  // dIn[m][i][j] = Σ_n Σ_p Σ_q dOut[n][i+p−4][j+q−4] · kernels[n][m][4−p][4−q]: the
  // full convolution as a cross-correlation with the rot180 kernels. Rows of δ
  // outside 0..OH−1 are skipped (they are zero); columns are zero-padded by 4 on
  // each side so that every output column reads 5 valid numbers.
  const int OH = H - 4, OW = W - 4, PW = W + 4;
  assert(PW <= kMaxFullConvSide && OH <= kMaxFullConvSide - 8 && N <= 16);
  alignas(32) float padded[16 * (kMaxFullConvSide - 8) * kMaxFullConvSide];
  std::fill(padded, padded + N * OH * PW, 0.0f);
  for (int n = 0; n < N; ++n)
    for (int y = 0; y < OH; ++y)
      std::copy(dOut + (n * OH + y) * OW, dOut + (n * OH + y + 1) * OW, padded + (n * OH + y) * PW + 4);
  switch (W / 8 * 2 + (W % 8 >= 4)) {  // W ≤ 28: one instantiation per row layout
    case 0: full_rows<0, false>(dIn, padded, kernels, M, N, H, W); break;
    case 1: full_rows<0, true>(dIn, padded, kernels, M, N, H, W); break;
    case 2: full_rows<1, false>(dIn, padded, kernels, M, N, H, W); break;
    case 3: full_rows<1, true>(dIn, padded, kernels, M, N, H, W); break;
    case 4: full_rows<2, false>(dIn, padded, kernels, M, N, H, W); break;
    case 5: full_rows<2, true>(dIn, padded, kernels, M, N, H, W); break;
    case 6: full_rows<3, false>(dIn, padded, kernels, M, N, H, W); break;
    default: full_rows<3, true>(dIn, padded, kernels, M, N, H, W); break;
  }
}

}  // namespace cnnlab
