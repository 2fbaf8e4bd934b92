// SIMD 5×5 kernels on 4-lane vectors (f32x4 in vec8.h): one WebAssembly v128 per
// vector under Emscripten, one SSE/AVX register natively. Same signatures as the
// scalar references in conv5x5_scalar.cpp; the valid and the full convolution add
// each output's terms in the reference's order (so they agree bit for bit), the
// kernel gradient sums four partial sums per tap in a fixed order.
//
// Written for V8's code generator, which keeps 15 vector registers for WebAssembly
// code and issues every load of a loop body before the arithmetic: a loop body may
// hold at most about 15 vectors (accumulators + the loads of one iteration + a
// broadcast weight), or values go to the stack. The tiles below are the fastest of the
// measured ones that fit (README, "Kernels"). The tap loops are kept as loops
// (unroll(disable)): unrolled, all their loads would be live at once.
//
// Shapes: see conv5x5.h (M in maps, N out maps, H×W input, OH = H−4, OW = W−4).
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/conv5x5.h"
#include "kernels/vec8.h"

// Keeps a loop a loop (see above). GCC (the native build) honours its own spelling.
#if defined(__clang__)
#define CNNLAB_NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define CNNLAB_NO_UNROLL _Pragma("GCC unroll 1")
#endif

namespace cnnlab {
namespace {

// ---- blank rows: all ±0 ----
//
// MNIST digits have blank borders, and ReLU leaves blank rows of δ where the input
// is blank. A term whose input (or δ) is ±0 adds ±0, which leaves a sum unchanged
// unless the sum is −0 (x + (+0) = x and x + (−0) = x for x ≠ −0). The gradient's
// sums start at +0, and a sum of round-to-nearest additions is −0 only if every term
// is −0, so it never is; the forward sum starts at the bias, so the forward kernel
// skips rows only when the bias is not −0. Skipping the blank rows at the top and the
// bottom of a plane (a range, no test in the loops) therefore keeps every bit.

inline bool row_blank(const float* row, int width) {
  i32x4 bits = i32x4{0, 0, 0, 0};
  int x = 0;
  for (; x + 4 <= width; x += 4) bits |= (i32x4)load4(row + x);
  int tail = 0;
  for (; x < width; ++x) {
    int b;
    std::memcpy(&b, row + x, sizeof b);
    tail |= b;
  }
  bits |= __builtin_shufflevector(bits, bits, 2, 3, 0, 1);
  return ((bits[0] | bits[1] | tail) & 0x7FFFFFFF) == 0;
}

// First and last row of `planes` planes (`plane` floats apart, rows × width) that
// is not blank in some plane; first > last if all are blank.
struct Band {
  int first, last;
};
inline Band nonblank_rows(const float* data, int planes, int rows, int width, int plane) {
  auto blank = [&](int y) {
    for (int c = 0; c < planes; ++c)
      if (!row_blank(data + c * plane + y * width, width)) return false;
    return true;
  };
  int first = 0, last = rows - 1;
  while (first < rows && blank(first)) ++first;
  while (last > first && blank(last)) --last;
  return {first, first < rows ? last : -1};
}

// ---- valid cross-correlation on a tile of R output rows × C four-lane chunks ----
//
//   out[r][x] = init + Σ_c Σ_{p=pLo..pHi} Σ_q in[c][r+p][x+q] · tap(c, p, q)
//
// `in` points at the input row of the tile's first output row, `out` at that output
// row. Chunk k < C−1 covers columns 4k..4k+3, the last chunk columns last..last+3
// (last = width − 4: it overlaps the previous chunk when the width is not a multiple
// of 4, and recomputes the same values). tap(c, p, q) = k[c·kStride + p·5 + q], or,
// with Flip, the rot180 tap k[c·kStride + (4−p)·5 + (4−q)].
// Full convolution (Flip, input zero-padded by 4): at q = 0 the plane's first chunk
// reads only padding, and so does its last chunk at q = 4; `edges` says which of the
// tile's chunks those are, and their all-zero terms are skipped.
struct Edges {
  bool first, last;  // chunk 0 is the plane's first / chunk C−1 is the plane's last
};

template <int R, int C, bool Flip>
[[gnu::always_inline]] inline void tap_row(f32x4 (&acc)[R][C], const float* row, int inStride,
                                           const float* kr, int last, Edges edges) {
  auto tap = [&](int q, int c0, int c1) {  // chunks c0..c1−1
    const f32x4 w = splat4(Flip ? kr[-q] : kr[q]);
    const float* s = row + q;
    for (int r = 0; r < R; ++r) {
      const float* sr = s + r * inStride;
      for (int c = c0; c < c1; ++c) acc[r][c] += load4(sr + (c == C - 1 ? last : 4 * c)) * w;
    }
  };
  if (!Flip) {
CNNLAB_NO_UNROLL
    for (int q = 0; q < 5; ++q) tap(q, 0, C);
    return;
  }
  if (edges.first) tap(0, 1, C);  // (with C = 1 and both edges, q = 0 has no chunk)
  else tap(0, 0, C);
CNNLAB_NO_UNROLL
  for (int q = 1; q < 4; ++q) tap(q, 0, C);
  if (edges.last) tap(4, 0, C - 1);
  else tap(4, 0, C);
}

template <int R, int C, bool Flip>
[[gnu::always_inline]] inline void valid_tile(float* out, int outStride, const float* in,
                                              int inStride, int plane, const float* k,
                                              int kStride, float init, int channels, int pLo,
                                              int pHi, int last, Edges edges) {
  f32x4 acc[R][C];
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) acc[r][c] = splat4(init);
  for (int ch = 0; ch < channels; ++ch) {
    const float* src = in + ch * plane;
    const float* kc = k + ch * kStride;
CNNLAB_NO_UNROLL
    for (int p = pLo; p <= pHi; ++p)
      tap_row<R, C, Flip>(acc, src + p * inStride, inStride, Flip ? kc + (4 - p) * 5 + 4 : kc + p * 5,
                          last, edges);
  }
  for (int r = 0; r < R; ++r) {
    float* o = out + r * outStride;
    for (int c = 0; c < C - 1; ++c) store4(o + 4 * c, acc[r][c]);
    store4(o + last, acc[r][C - 1]);
  }
}

// Rows per tile for C chunks: up to 8 accumulators (6 for C = 3, 1 row from C = 5).
// Measured under V8: 6 in one row for layer 1 (24 wide), 4 rows × 2 for layer 2.
constexpr int rows_for(int C) { return C >= 5 ? 1 : C == 1 ? 8 : C == 2 ? 4 : 2; }

// One output plane's column block [x0, x0 + 4·(C−1) + 4) (last chunk at `last`), all
// rows; rows [0, OH) of the output, input row of output row i is i (+ p).
// rowRange(i0, rows) gives the tile's p range (the full convolution skips the
// all-zero rows of its padded input).
template <int C, bool Flip, class PRange>
[[gnu::always_inline]] inline void valid_block(float* out, int outStride, const float* in,
                                               int inStride, int plane, const float* k,
                                               int kStride, float init, int channels, int OH,
                                               int last, Edges edges, PRange pRange) {
  constexpr int R = rows_for(C);
  int i = 0;
  for (; i + R <= OH; i += R) {
    const auto [lo, hi] = pRange(i, R);
    valid_tile<R, C, Flip>(out + i * outStride, outStride, in + i * inStride, inStride, plane, k,
                           kStride, init, channels, lo, hi, last, edges);
  }
  for (; i < OH; ++i) {
    const auto [lo, hi] = pRange(i, 1);
    valid_tile<1, C, Flip>(out + i * outStride, outStride, in + i * inStride, inStride, plane, k,
                           kStride, init, channels, lo, hi, last, edges);
  }
}

// A whole output plane: column blocks of up to 6 chunks (24 columns), the last one
// moved left to stay 4 wide; widths below 4 are done in scalar code, same order.
template <bool Flip, class PRange>
[[gnu::always_inline]] inline void valid_plane(float* out, int OH, int OW, const float* in,
                                               int inStride, int plane, const float* k,
                                               int kStride, float init, int channels,
                                               PRange pRange) {
  if (OW < 4) {
    for (int i = 0; i < OH; ++i) {
      const auto [lo, hi] = pRange(i, 1);
      for (int x = 0; x < OW; ++x) {
        float acc = init;
        for (int ch = 0; ch < channels; ++ch)
          for (int p = lo; p <= hi; ++p)
            for (int q = 0; q < 5; ++q)
              acc += in[ch * plane + (i + p) * inStride + x + q] *
                     k[ch * kStride + (Flip ? (4 - p) * 5 + (4 - q) : p * 5 + q)];
        out[i * OW + x] = acc;
      }
    }
    return;
  }
  for (int x0 = 0; x0 < OW; x0 += 24) {
    const int start = std::min(x0, OW - 4), width = std::min(24, OW - start);
    const int C = (width + 3) / 4, last = width - 4;
    const Edges edges{start == 0, start + width == OW};
    float* o = out + start;
    const float* s = in + start;
    switch (C) {
      case 1: valid_block<1, Flip>(o, OW, s, inStride, plane, k, kStride, init, channels, OH, last, edges, pRange); break;
      case 2: valid_block<2, Flip>(o, OW, s, inStride, plane, k, kStride, init, channels, OH, last, edges, pRange); break;
      case 3: valid_block<3, Flip>(o, OW, s, inStride, plane, k, kStride, init, channels, OH, last, edges, pRange); break;
      case 4: valid_block<4, Flip>(o, OW, s, inStride, plane, k, kStride, init, channels, OH, last, edges, pRange); break;
      case 5: valid_block<5, Flip>(o, OW, s, inStride, plane, k, kStride, init, channels, OH, last, edges, pRange); break;
      default: valid_block<6, Flip>(o, OW, s, inStride, plane, k, kStride, init, channels, OH, last, edges, pRange); break;
    }
  }
}

struct PRangeAll {
  std::pair<int, int> operator()(int, int) const { return {0, 4}; }
};

// ---- kernel gradient: per (n, m, p), taps q = 0..4 as five 4-lane dot products ----
//
//   lane l of acc[q] = Σ_y Σ_{x ≡ l (mod 4), x < 4·chunks} dOut[n][y][x] · in[m][y+p][x+q]
// in the order y, then x; columns from 4·chunks on go to scalar sums tail[q] (same
// order); then ΔK[p][q] = ((l0 + l2) + (l1 + l3)) + tail[q]. CH > 0: CH chunks per
// row, unrolled; CH = 0: any number, in a loop.
template <int CH>
void kernel_grad_rows(float* dKernels, const float* in, const float* dOut, int M, int N, int H,
                      int W) {
  const int OH = H - 4, OW = W - 4;
  const int chunks = CH > 0 ? CH : OW / 4, tailStart = chunks * 4;
  for (int n = 0; n < N; ++n) {
    // Rows y with a blank δ row, or a blank input row y + p, add only ±0 (see Band):
    // y runs over the non-blank band of both.
    const Band dBand = nonblank_rows(dOut + n * OH * OW, 1, OH, OW, 0);
    for (int m = 0; m < M; ++m) {
      const Band inBand = nonblank_rows(in + m * H * W, 1, H, W, 0);
      for (int p = 0; p < 5; ++p) {
        f32x4 a0 = splat4(0.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0;
        float tail[5] = {0, 0, 0, 0, 0};
        const int y0 = std::max(dBand.first, inBand.first - p);
        const int y1 = std::min(dBand.last, inBand.last - p);
        const float* d = dOut + (n * OH + y0) * OW;
        const float* src = in + (m * H + y0 + p) * W;
        for (int y = y0; y <= y1; ++y, d += OW, src += W) {
          auto chunk = [&](int c) {
            const f32x4 dv = load4(d + 4 * c);
            const float* s = src + 4 * c;
            a0 += dv * load4(s);
            a1 += dv * load4(s + 1);
            a2 += dv * load4(s + 2);
            a3 += dv * load4(s + 3);
            a4 += dv * load4(s + 4);
          };
          if (CH > 0) {
            for (int c = 0; c < CH; ++c) chunk(c);
          } else {
CNNLAB_NO_UNROLL
            for (int c = 0; c < chunks; ++c) chunk(c);
          }
          for (int x = tailStart; x < OW; ++x)
            for (int q = 0; q < 5; ++q) tail[q] += d[x] * src[x + q];
        }
        // Lane sums by shuffles, (l0 + l2) + (l1 + l3) for every tap.
        float* dk = dKernels + ((n * M + m) * 5 + p) * 5;
        store4(dk, sum4x4(a0, a1, a2, a3) + load4(tail));
        dk[4] = sum4(a4) + tail[4];
      }
    }
  }
}

}  // namespace

namespace {
[[gnu::always_inline]] inline void valid_planes(float* out, const float* in, const float* kernels,
                                                const float* bias, int M, int N, int H, int W) {
  const int OH = H - 4, OW = W - 4;
  // Taps p of output rows i..i+rows−1 that reach a non-blank input row (see Band).
  const Band band = nonblank_rows(in, M, H, W, H * W);
  auto pBand = [band](int i, int rows) {
    return std::pair<int, int>{std::max(0, band.first - (i + rows - 1)), std::min(4, band.last - i)};
  };
  for (int n = 0; n < N; ++n) {
    float* o = out + n * OH * OW;
    const float* k = kernels + n * M * 25;
    if (bias[n] == 0.0f && std::signbit(bias[n]))  // −0: every term is needed (see Band)
      valid_plane<false>(o, OH, OW, in, W, H * W, k, 25, bias[n], M, PRangeAll{});
    else
      valid_plane<false>(o, OH, OW, in, W, H * W, k, 25, bias[n], M, pBand);
  }
}
}  // namespace

void conv5x5_valid_v128_tile8(float* out, const float* in, const float* kernels,
                              const float* bias, int M, int N, int H, int W) {
  // The network's two widths with compile-time strides (the loads' offsets become
  // constants); any other width in the same code with run-time strides.
  if (W == 28) valid_planes(out, in, kernels, bias, M, N, H, 28);
  else if (W == 12) valid_planes(out, in, kernels, bias, M, N, H, 12);
  else valid_planes(out, in, kernels, bias, M, N, H, W);
}

void conv5x5_kernel_grad_v128_dot5(float* dKernels, const float* in, const float* dOut, int M,
                                   int N, int H, int W) {
  // Rows of up to 6 chunks unrolled: in Chromium 156 that is 19% faster for layer 1
  // (24 wide) than the loop; in Node 20 (older V8, which hoists all 30 loads of the
  // row and spills) 10% slower. Longer rows in the loop.
  switch ((W - 4) / 4) {
    case 1: kernel_grad_rows<1>(dKernels, in, dOut, M, N, H, W); break;
    case 2: kernel_grad_rows<2>(dKernels, in, dOut, M, N, H, W); break;
    case 3: kernel_grad_rows<3>(dKernels, in, dOut, M, N, H, W); break;
    case 4: kernel_grad_rows<4>(dKernels, in, dOut, M, N, H, W); break;
    case 5: kernel_grad_rows<5>(dKernels, in, dOut, M, N, H, W); break;
    case 6: kernel_grad_rows<6>(dKernels, in, dOut, M, N, H, W); break;
    default: kernel_grad_rows<0>(dKernels, in, dOut, M, N, H, W); break;
  }
}

namespace {
[[gnu::always_inline]] inline void full_planes(float* dIn, const float* dOut, const float* kernels,
                                               int M, int N, int H, int W) {
  // dIn[m][i][j] = Σ_n Σ_p Σ_q padded[n][i+p][j+q] · kernels[n][m][4−p][4−q], a valid
  // cross-correlation of δ zero-padded by 4 on every side with the rot180 kernels.
  // Each tile of output rows only runs the taps p that reach a row of δ (the others
  // read zeros); the reference's order is n, then δ row, then δ column, as here.
  const int OH = H - 4, OW = W - 4, PH = OH + 8, PW = W + 4;
  assert(PW <= kMaxFullConvSide && PH <= kMaxFullConvSide && N <= 16);
  alignas(16) float padded[16 * kMaxFullConvSide * kMaxFullConvSide];
  std::fill(padded, padded + N * PH * PW, 0.0f);
  for (int n = 0; n < N; ++n)
    for (int y = 0; y < OH; ++y)
      std::copy(dOut + (n * OH + y) * OW, dOut + (n * OH + y + 1) * OW,
                padded + (n * PH + y + 4) * PW + 4);
  // Output row i, tap p reads padded row i + p = δ row i + p − 4.
  auto pRange = [OH](int i, int rows) {
    return std::pair<int, int>{std::max(0, 4 - (i + rows - 1)), std::min(4, OH + 3 - i)};
  };
  for (int m = 0; m < M; ++m)
    valid_plane<true>(dIn + m * H * W, H, W, padded, PW, PH * PW, kernels + m * 25, M * 25, 0.0f,
                      N, pRange);
}
}  // namespace

void conv5x5_full_v128_tile8(float* dIn, const float* dOut, const float* kernels, int M, int N,
                             int H, int W) {
  if (H == 12 && W == 12) full_planes(dIn, dOut, kernels, M, N, 12, 12);  // the network's
  else full_planes(dIn, dOut, kernels, M, N, H, W);
}

}  // namespace cnnlab
