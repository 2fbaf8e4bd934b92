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
inline Blocks4 blocks4(f32x4 t0, f32x4 t1, f32x4 b0, f32x4 b1) {
  return {__builtin_shufflevector(t0, t1, 0, 2, 4, 6), __builtin_shufflevector(t0, t1, 1, 3, 5, 7),
          __builtin_shufflevector(b0, b1, 0, 2, 4, 6), __builtin_shufflevector(b0, b1, 1, 3, 5, 7)};
}
// x > y ? x : y, lane by lane, as a select (NaN compares false: y, as in scalar code).
inline f32x4 select_greater(f32x4 x, f32x4 y) {
  const i32x4 m = x > y;
  return (f32x4)(((i32x4)x & m) | ((i32x4)y & ~m));
}
// pre > 0 ? v : 0 (+0), as in activation.cpp
inline f32x4 relu_mask(f32x4 v, f32x4 pre) { return (f32x4)((i32x4)v & (pre > splat4(0.0f))); }

inline f32x4 pool4(const Blocks4& q, Pooling mode) {
  if (mode == Pooling::Average) return splat4(0.25f) * ((q.a + q.b) + (q.d + q.e));
  return select_greater(q.e, select_greater(q.d, select_greater(q.b, q.a)));
}

// δ of the four cells of each block (the arg-max one for max pooling, first on ties).
struct Cells4 {
  f32x4 a, b, d, e;
};
inline Cells4 unpool4(f32x4 gv, const Blocks4& q, Pooling mode) {
  if (mode == Pooling::Average) {
    const f32x4 g = splat4(0.25f) * gv;
    return {g, g, g, g};
  }
  // the same comparisons as the scalar code below
  const i32x4 bWins = q.b > q.a;
  const f32x4 top2 = select_greater(q.b, q.a);
  const i32x4 dWins = q.d > top2;
  const f32x4 top3 = select_greater(q.d, top2);
  const i32x4 eWins = q.e > top3;
  const i32x4 dBest = dWins & ~eWins, bBest = bWins & ~dWins & ~eWins;
  const i32x4 aBest = ~bWins & ~dWins & ~eWins;
  const i32x4 gi = (i32x4)gv;
  return {(f32x4)(gi & aBest), (f32x4)(gi & bBest), (f32x4)(gi & dBest), (f32x4)(gi & eWins)};
}
// Cells of 4 blocks back to two rows of 8: {a0 b0 a1 b1 | a2 b2 a3 b3}, {d.. e..}.
struct Rows8 {
  f32x4 t0, t1, b0, b1;
};
inline Rows8 cell_rows(const Cells4& g) {
  return {__builtin_shufflevector(g.a, g.b, 0, 4, 1, 5), __builtin_shufflevector(g.a, g.b, 2, 6, 3, 7),
          __builtin_shufflevector(g.d, g.e, 0, 4, 1, 5), __builtin_shufflevector(g.d, g.e, 2, 6, 3, 7)};
}
inline void store_rows(float* top, float* bottom, const Rows8& r) {
  store4(top, r.t0);
  store4(top + 4, r.t1);
  store4(bottom, r.b0);
  store4(bottom + 4, r.b1);
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
        store4(o + j, pool4(blocks4(top + 2 * j, bottom + 2 * j), mode));
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
        const Blocks4 q = mode == Pooling::Max ? blocks4(inTop + 2 * j, inBottom + 2 * j) : Blocks4{};
        store_rows(top + 2 * j, bottom + 2 * j, cell_rows(unpool4(load4(g + j), q, mode)));
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

// ---- fused with ReLU: one pass over the 2×2 blocks of 4 outputs at a time ----

void activation_pool_forward(float* act, float* pooled, const float* pre, int C, int S,
                             Activation f, Pooling mode) {
  const int P = S / 2;
  if (f != Activation::ReLU || P % 4 != 0) {
    activation_forward(act, pre, C * S * S, f);
    pool_forward(pooled, act, C, S, mode);
    return;
  }
  for (int c = 0; c < C; ++c)
    for (int i = 0; i < P; ++i) {
      const int row = (c * S + 2 * i) * S;
      for (int j = 0; j < P; j += 4) {
        const int at = row + 2 * j;
        const f32x4 t0 = load4(pre + at), t1 = load4(pre + at + 4), b0 = load4(pre + at + S),
                    b1 = load4(pre + at + S + 4);
        const f32x4 r0 = relu_mask(t0, t0), r1 = relu_mask(t1, t1), r2 = relu_mask(b0, b0),
                    r3 = relu_mask(b1, b1);
        store4(act + at, r0);
        store4(act + at + 4, r1);
        store4(act + at + S, r2);
        store4(act + at + S + 4, r3);
        store4(pooled + (c * P + i) * P + j, pool4(blocks4(r0, r1, r2, r3), mode));
      }
    }
}

void pool_activation_backward(float* dAct, float* dPre, const float* dPooled, const float* pre,
                              const float* act, int C, int S, Activation f, Pooling mode) {
  const int P = S / 2;
  if (f != Activation::ReLU || P % 4 != 0) {
    pool_backward(dAct, dPooled, act, C, S, mode);
    activation_backward(dPre, dAct, pre, act, C * S * S, f);
    return;
  }
  for (int c = 0; c < C; ++c)
    for (int i = 0; i < P; ++i) {
      const int row = (c * S + 2 * i) * S;
      for (int j = 0; j < P; j += 4) {
        const int at = row + 2 * j;
        const Blocks4 q = mode == Pooling::Max ? blocks4(act + at, act + at + S) : Blocks4{};
        const Rows8 g = cell_rows(unpool4(load4(dPooled + (c * P + i) * P + j), q, mode));
        store_rows(dAct + at, dAct + at + S, g);
        store_rows(dPre + at, dPre + at + S,
                   {relu_mask(g.t0, load4(pre + at)), relu_mask(g.t1, load4(pre + at + 4)),
                    relu_mask(g.b0, load4(pre + at + S)), relu_mask(g.b1, load4(pre + at + S + 4))});
      }
    }
}

}  // namespace cnnlab
