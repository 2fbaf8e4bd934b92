#include "layers/softmax_xent.h"

#include "layers/detmath.h"

namespace cnnlab {

double softmax_xent_forward(float* probs, const float* logits, int label, int K) {
  double top = logits[0];
  for (int k = 1; k < K; ++k)
    if (logits[k] > top) top = logits[k];
  double e[16];
  double sum = 0.0;
  for (int k = 0; k < K; ++k) sum += (e[k] = detmath::exp(double(logits[k]) - top));
  for (int k = 0; k < K; ++k) probs[k] = float(e[k] / sum);
  if (label < 0) return 0.0;
  return detmath::log(sum) - (double(logits[label]) - top);
}

void softmax_xent_backward(float* delta, const float* probs, int label, int K) {
  for (int k = 0; k < K; ++k) delta[k] = probs[k] - (k == label ? 1.0f : 0.0f);
}

}  // namespace cnnlab
