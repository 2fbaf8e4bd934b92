#include "layers/pool.h"

#include "kernels/vec8.h"

namespace cnnlab {

// Four outputs of a row at a time on 4-lane vectors (even and odd columns split by
// shuffles), the rest one by one; the same operations per output either way.

namespace {

// The 2×2 block of output j: a = (2i, 2j), b = (2i, 2j+1), d = (2i+1, 2j), e = (2i+1, 2j+1).
struct Blocks4 {
  f32x4 a, b, d, e;
};
inline Blocks4 blocks4(const float* top, const float* bottom) {
  const f32x4 t0 = load4(top), t1 = load4(top + 4), b0 = load4(bottom), b1 = load4(bottom + 4);
  return {__builtin_shufflevector(t0, t1, 0, 2, 4, 6), __builtin_shufflevector(t0, t1, 1, 3, 5, 7),
          __builtin_shufflevector(b0, b1, 0, 2, 4, 6), __builtin_shufflevector(b0, b1, 1, 3, 5, 7)};
}
// x > y ? x : y, lane by lane, as a select (NaN compares false: y, as in scalar code).
inline f32x4 select_greater(f32x4 x, f32x4 y) {
  const i32x4 m = x > y;
  return (f32x4)(((i32x4)x & m) | ((i32x4)y & ~m));
}

}  // namespace

void pool_forward(float* out, const float* in, int C, int S, Pooling mode) {
  const int P = S / 2, vecEnd = P / 4 * 4;
  for (int c = 0; c < C; ++c)
    for (int i = 0; i < P; ++i) {
      const float* top = in + (c * S + 2 * i) * S;
      const float* bottom = top + S;
      float* o = out + (c * P + i) * P;
      for (int j = 0; j < vecEnd; j += 4) {
        const Blocks4 q = blocks4(top + 2 * j, bottom + 2 * j);
        if (mode == Pooling::Average) {
          store4(o + j, splat4(0.25f) * ((q.a + q.b) + (q.d + q.e)));
        } else {
          store4(o + j, select_greater(q.e, select_greater(q.d, select_greater(q.b, q.a))));
        }
      }
      for (int j = vecEnd; j < P; ++j) {
        const float a = top[2 * j], b = top[2 * j + 1], d = bottom[2 * j], e = bottom[2 * j + 1];
        float v;
        if (mode == Pooling::Average) {
          v = 0.25f * ((a + b) + (d + e));
        } else {  // selects, not branches: the arg-max is unpredictable
          v = b > a ? b : a;
          v = d > v ? d : v;
          v = e > v ? e : v;
        }
        o[j] = v;
      }
    }
}

void pool_backward(float* dIn, const float* dOut, const float* in, int C, int S,
                   Pooling mode) {
  const int P = S / 2, vecEnd = P / 4 * 4;
  for (int c = 0; c < C; ++c)
    for (int i = 0; i < P; ++i) {
      const float* g = dOut + (c * P + i) * P;
      float* top = dIn + (c * S + 2 * i) * S;
      float* bottom = top + S;
      const float* inTop = in + (c * S + 2 * i) * S;
      const float* inBottom = inTop + S;
      for (int j = 0; j < vecEnd; j += 4) {
        const f32x4 gv = load4(g + j);
        f32x4 ga, gb, gd, ge;
        if (mode == Pooling::Average) {
          ga = gb = gd = ge = splat4(0.25f) * gv;
        } else {
          // arg-max, first on ties, by selects: the same comparisons as below
          const Blocks4 q = blocks4(inTop + 2 * j, inBottom + 2 * j);
          const i32x4 bWins = q.b > q.a;
          const f32x4 top2 = select_greater(q.b, q.a);
          const i32x4 dWins = q.d > top2;
          const f32x4 top3 = select_greater(q.d, top2);
          const i32x4 eWins = q.e > top3;
          const i32x4 dBest = dWins & ~eWins, bBest = bWins & ~dWins & ~eWins;
          const i32x4 aBest = ~bWins & ~dWins & ~eWins;
          const i32x4 gi = (i32x4)gv;
          ga = (f32x4)(gi & aBest);
          gb = (f32x4)(gi & bBest);
          gd = (f32x4)(gi & dBest);
          ge = (f32x4)(gi & eWins);
        }
        store4(top + 2 * j, __builtin_shufflevector(ga, gb, 0, 4, 1, 5));
        store4(top + 2 * j + 4, __builtin_shufflevector(ga, gb, 2, 6, 3, 7));
        store4(bottom + 2 * j, __builtin_shufflevector(gd, ge, 0, 4, 1, 5));
        store4(bottom + 2 * j + 4, __builtin_shufflevector(gd, ge, 2, 6, 3, 7));
      }
      for (int j = vecEnd; j < P; ++j) {
        const float gj = g[j];
        float* cells[4] = {top + 2 * j, top + 2 * j + 1, bottom + 2 * j, bottom + 2 * j + 1};
        if (mode == Pooling::Average) {
          for (int k = 0; k < 4; ++k) *cells[k] = 0.25f * gj;
        } else {
          // arg-max, first on ties, by selects
          const float a = inTop[2 * j], b = inTop[2 * j + 1], d = inBottom[2 * j], e = inBottom[2 * j + 1];
          int best = b > a ? 1 : 0;
          float topv = b > a ? b : a;
          best = d > topv ? 2 : best;
          topv = d > topv ? d : topv;
          best = e > topv ? 3 : best;
          for (int k = 0; k < 4; ++k) *cells[k] = k == best ? gj : 0.0f;
        }
      }
    }
}

}  // namespace cnnlab
