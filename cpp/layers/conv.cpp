#include "layers/conv.h"

#include "kernels/conv5x5.h"

namespace cnnlab {

void conv_forward(float* pre, const float* in, const float* kernels, const float* bias,
                  int M, int N, int S) {
  conv5x5_valid(pre, in, kernels, bias, M, N, S, S);
}

void conv_backward(float* dKernels, float* dBias, float* dIn, const float* dPre,
                   const float* in, const float* kernels, int M, int N, int S) {
  const int O = S - 4;
  conv5x5_kernel_grad(dKernels, in, dPre, M, N, S, S);
  for (int n = 0; n < N; ++n) {
    float acc = 0.0f;
    for (int k = 0; k < O * O; ++k) acc += dPre[n * O * O + k];
    dBias[n] = acc;
  }
  if (dIn) conv5x5_full(dIn, dPre, kernels, M, N, S, S);
}

}  // namespace cnnlab
