// 2×2 pooling, stride 2 (handout eq. (3) p. 3 and its gradient p. 4–5).
// Shape letters: C maps, S×S input (S even), S/2×S/2 output.
#pragma once

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

}  // namespace cnnlab
