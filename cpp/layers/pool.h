// 2×2 pooling, stride 2 (handout eq. (3) p. 3 and its gradient p. 4–5).
// Shape letters: C maps, S×S input (S even), S/2×S/2 output.
#pragma once
#include "layers/activation.h"

namespace cnnlab {

enum class Pooling { Average, Max };  // average is the handout's

// Average (the handout's): C_P(i,j) = ¼ Σ_{u,v∈{0,1}} C(2i−u, 2j−v)        (eq. 3)
// Max: C_P(i,j) = max of the same 2×2 block.
// out: [C][S/2][S/2]   in: [C][S][S]
void pool_forward(float* out, const float* in, int C, int S, Pooling mode);

// Average: δC(i,j) = ¼ δC_P(⌈i/2⌉, ⌈j/2⌉) — δ copied to the 2×2 block, divided by 4
//   (p. 4 for δC², p. 5 for δC¹; the ·f′ factor is applied by activation_backward).
// Max: the whole δC_P goes to the arg-max cell of the block (first one on ties,
//   in row-major order), the other three get 0.
// dIn: [C][S][S]   dOut: [C][S/2][S/2]   in: the forward input (for the arg-max)
void pool_backward(float* dIn, const float* dOut, const float* in, int C, int S,
                   Pooling mode);

// The activation and the pooling after a convolution in one pass (for ReLU; other f
// call activation_forward, then pool_forward): the same values as those two.
//   act = f(pre), pooled = pool(act)
// act: [C][S][S]   pooled: [C][S/2][S/2]   pre: [C][S][S]
void activation_pool_forward(float* act, float* pooled, const float* pre, int C, int S,
                             Activation f, Pooling mode);

// Their gradients in one pass (for ReLU; other f call pool_backward, then
// activation_backward): the same values as those two.
//   dAct = pool_backward(dPooled), dPre = dAct · f′(pre)
// dAct, dPre: [C][S][S]   dPooled: [C][S/2][S/2]   pre, act: the forward tensors
void pool_activation_backward(float* dAct, float* dPre, const float* dPooled, const float* pre,
                              const float* act, int C, int S, Activation f, Pooling mode);

}  // namespace cnnlab
