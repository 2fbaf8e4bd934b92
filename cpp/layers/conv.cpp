#include "layers/conv.h"

#include "kernels/conv5x5.h"
#include "kernels/vec8.h"

namespace cnnlab {

void conv_forward(float* pre, const float* in, const float* kernels, const float* bias,
                  int M, int N, int S) {
  conv5x5_valid(pre, in, kernels, bias, M, N, S, S);
}

void conv_backward(float* dKernels, float* dBias, float* dIn, const float* dPre,
                   const float* in, const float* kernels, int M, int N, int S) {
  conv5x5_kernel_grad(dKernels, in, dPre, M, N, S, S);
  conv_bias_grad(dBias, dPre, N, S - 4);
  if (dIn) conv5x5_full(dIn, dPre, kernels, M, N, S, S);
}

void conv_bias_grad(float* dBias, const float* dPre, int N, int O) {
  // 8 partial sums (vectorized), then their fixed-order sum.
  const int area = O * O, vectorEnd = area / 8 * 8;
  for (int n = 0; n < N; ++n) {
    const float* d = dPre + n * area;
    f32x8 partial = splat8(0.0f);
    for (int k = 0; k < vectorEnd; k += 8) partial += load8(d + k);
    float acc = sum8(partial);
    for (int k = vectorEnd; k < area; ++k) acc += d[k];
    dBias[n] = acc;
  }
}

}  // namespace cnnlab
