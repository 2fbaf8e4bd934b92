#include "layers/pool.h"

namespace cnnlab {

void pool_forward(float* out, const float* in, int C, int S, Pooling mode) {
  const int P = S / 2;
  for (int c = 0; c < C; ++c)
    for (int i = 0; i < P; ++i)
      for (int j = 0; j < P; ++j) {
        const float* block = in + (c * S + 2 * i) * S + 2 * j;
        const float a = block[0], b = block[1], d = block[S], e = block[S + 1];
        float v;
        if (mode == Pooling::Average) {
          v = 0.25f * ((a + b) + (d + e));
        } else {  // selects, not branches: the arg-max is unpredictable
          v = b > a ? b : a;
          v = d > v ? d : v;
          v = e > v ? e : v;
        }
        out[(c * P + i) * P + j] = v;
      }
}

void pool_backward(float* dIn, const float* dOut, const float* in, int C, int S,
                   Pooling mode) {
  const int P = S / 2;
  for (int c = 0; c < C; ++c)
    for (int i = 0; i < P; ++i)
      for (int j = 0; j < P; ++j) {
        const float g = dOut[(c * P + i) * P + j];
        const int at = (c * S + 2 * i) * S + 2 * j;
        const int cells[4] = {at, at + 1, at + S, at + S + 1};
        if (mode == Pooling::Average) {
          for (int k = 0; k < 4; ++k) dIn[cells[k]] = 0.25f * g;
        } else {
          // arg-max, first on ties, by selects
          const float a = in[cells[0]], b = in[cells[1]], d = in[cells[2]], e = in[cells[3]];
          int best = b > a ? 1 : 0;
          float top = b > a ? b : a;
          best = d > top ? 2 : best;
          top = d > top ? d : top;
          best = e > top ? 3 : best;
          for (int k = 0; k < 4; ++k) dIn[cells[k]] = k == best ? g : 0.0f;
        }
      }
}

}  // namespace cnnlab
