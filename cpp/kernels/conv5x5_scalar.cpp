// Plain scalar 5×5 kernels: the reference the SIMD kernels are tested against.
// Shapes: see conv5x5.h (M in maps, N out maps, H×W input, OH = H−4, OW = W−4).
#include "kernels/conv5x5.h"

namespace cnnlab {

void conv5x5_valid_scalar(float* out, const float* in, const float* kernels,
                          const float* bias, int M, int N, int H, int W) {
  const int OH = H - 4, OW = W - 4;
  for (int n = 0; n < N; ++n)
    for (int y = 0; y < OH; ++y)
      for (int x = 0; x < OW; ++x) {
        float acc = bias[n];
        for (int m = 0; m < M; ++m) {
          const float* k = kernels + (n * M + m) * 25;
          const float* plane = in + m * H * W;
          for (int p = 0; p < 5; ++p)
            for (int q = 0; q < 5; ++q) acc += plane[(y + p) * W + (x + q)] * k[p * 5 + q];
        }
        out[(n * OH + y) * OW + x] = acc;
      }
}

void conv5x5_kernel_grad_scalar(float* dKernels, const float* in, const float* dOut,
                                int M, int N, int H, int W) {
  const int OH = H - 4, OW = W - 4;
  for (int n = 0; n < N; ++n)
    for (int m = 0; m < M; ++m)
      for (int p = 0; p < 5; ++p)
        for (int q = 0; q < 5; ++q) {
          float acc = 0.0f;
          for (int y = 0; y < OH; ++y)
            for (int x = 0; x < OW; ++x)
              acc += dOut[(n * OH + y) * OW + x] * in[(m * H + y + p) * W + x + q];
          dKernels[((n * M + m) * 5 + p) * 5 + q] = acc;
        }
}

void conv5x5_full_scalar(float* dIn, const float* dOut, const float* kernels,
                         int M, int N, int H, int W) {
  const int OH = H - 4, OW = W - 4;
  for (int m = 0; m < M; ++m)
    for (int i = 0; i < H; ++i)
      for (int j = 0; j < W; ++j) {
        float acc = 0.0f;
        for (int n = 0; n < N; ++n) {
          const float* k = kernels + (n * M + m) * 25;
          // Same term order as the SIMD kernel: p, q run over the rot180 kernel.
          for (int p = 0; p < 5; ++p)
            for (int q = 0; q < 5; ++q) {
              const int y = i - 4 + p, x = j - 4 + q;  // = i − (4−p), j − (4−q)
              if (y < 0 || y >= OH || x < 0 || x >= OW) continue;
              acc += dOut[(n * OH + y) * OW + x] * k[(4 - p) * 5 + (4 - q)];
            }
        }
        dIn[(m * H + i) * W + j] = acc;
      }
}

}  // namespace cnnlab
