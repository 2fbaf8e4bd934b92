// Softmax output with cross-entropy loss (handout p. 3: "the activation function for
// a multi-class problem is usually Softmax, and the loss function as Cross Entropy";
// p. 4: δ = S − Y). Shape letter: K = 10 classes.
#pragma once

namespace cnnlab {

// probs = softmax(logits) (S); returns L = −log S[label] computed as a log-sum-exp,
// in double precision (finite differences of L need the digits).
// label < 0 means "no label": the loss is 0 and only probs are written.
double softmax_xent_forward(float* probs, const float* logits, int label, int K);

// δ = S − Y (p. 4), Y the one-hot label.
void softmax_xent_backward(float* delta, const float* probs, int label, int K);

}  // namespace cnnlab
