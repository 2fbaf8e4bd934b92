#include "layers/dense.h"

namespace cnnlab {

void dense_forward(float* out, const float* in, const float* W, const float* b, int O, int I) {
  for (int o = 0; o < O; ++o) {
    const float* row = W + o * I;
    float acc = b[o];
    for (int i = 0; i < I; ++i) acc += row[i] * in[i];
    out[o] = acc;
  }
}

void dense_backward(float* dW, float* db, float* dIn, const float* dOut, const float* in,
                    const float* W, int O, int I) {
  for (int o = 0; o < O; ++o) {
    const float d = dOut[o];
    float* row = dW + o * I;
    for (int i = 0; i < I; ++i) row[i] = d * in[i];
    db[o] = d;
  }
  if (!dIn) return;
  for (int i = 0; i < I; ++i) dIn[i] = 0.0f;
  for (int o = 0; o < O; ++o) {
    const float d = dOut[o];
    const float* row = W + o * I;
    for (int i = 0; i < I; ++i) dIn[i] += row[i] * d;
  }
}

}  // namespace cnnlab
