#include "layers/dense.h"

#include "kernels/vec8.h"

namespace cnnlab {

// Each dot product runs on 8 lanes (partial sums over i ≡ lane mod 8); four rows'
// lane sums are then added by shuffles (sum4x4). A fixed order on every platform.
// Rows go in pairs, which share the loads of `in`.
void dense_forward(float* out, const float* in, const float* W, const float* b, int O, int I) {
  const int vectorEnd = I / 8 * 8;
  auto row_partials = [&](int o, f32x4& half, float& tail) {
    const float* row = W + o * I;
    f32x8 acc = splat8(0.0f);
    for (int i = 0; i < vectorEnd; i += 8) acc += load8(row + i) * load8(in + i);
    half = low4(acc) + high4(acc);
    tail = 0.0f;
    for (int i = vectorEnd; i < I; ++i) tail += row[i] * in[i];
  };
  auto pair_partials = [&](int o, f32x4* half, float* tail) {
    const float *r0 = W + o * I, *r1 = r0 + I;
    f32x8 a0 = splat8(0.0f), a1 = a0;
    for (int i = 0; i < vectorEnd; i += 8) {
      const f32x8 x = load8(in + i);
      a0 += load8(r0 + i) * x;
      a1 += load8(r1 + i) * x;
    }
    half[0] = low4(a0) + high4(a0);
    half[1] = low4(a1) + high4(a1);
    tail[0] = tail[1] = 0.0f;
    for (int i = vectorEnd; i < I; ++i) {
      tail[0] += r0[i] * in[i];
      tail[1] += r1[i] * in[i];
    }
  };
  int o = 0;
  for (; o + 4 <= O; o += 4) {
    f32x4 h[4];
    float tail[4];
    pair_partials(o, h, tail);
    pair_partials(o + 2, h + 2, tail + 2);
    store4(out + o, sum4x4(h[0], h[1], h[2], h[3]) + load4(tail) + load4(b + o));
  }
  for (; o < O; ++o) {
    f32x4 h;
    float tail;
    row_partials(o, h, tail);
    out[o] = ((h[0] + h[1]) + (h[2] + h[3])) + tail + b[o];
  }
}

void dense_backward(float* dW, float* db, float* dIn, const float* dOut, const float* in,
                    const float* W, int O, int I) {
  const int vectorEnd = I / 8 * 8;
  for (int o = 0; o < O; ++o) {  // ΔW[o][i] = δ[o]·in[i], Δb = δ
    const float d = dOut[o];
    const f32x8 d8 = splat8(d);
    float* row = dW + o * I;
    for (int i = 0; i < vectorEnd; i += 8) store8(row + i, d8 * load8(in + i));
    for (int i = vectorEnd; i < I; ++i) row[i] = d * in[i];
    db[o] = d;
  }
  if (!dIn) return;
  // dIn[i] = Σ_o W[o][i]·δ[o], summed in o order from 0 (as the scalar loop would):
  // blocks of 24 inputs held in six 4-lane accumulators over all o, then the rest.
  int i0 = 0;
  for (; i0 + 24 <= I; i0 += 24) {
    f32x4 acc[6];
    for (int k = 0; k < 6; ++k) acc[k] = splat4(0.0f);
    const float* row = W + i0;
    for (int o = 0; o < O; ++o, row += I) {
      const f32x4 d = splat4(dOut[o]);
      for (int k = 0; k < 6; ++k) acc[k] += load4(row + 4 * k) * d;
    }
    for (int k = 0; k < 6; ++k) store4(dIn + i0 + 4 * k, acc[k]);
  }
  for (; i0 + 4 <= I; i0 += 4) {
    f32x4 acc = splat4(0.0f);
    for (int o = 0; o < O; ++o) acc += load4(W + o * I + i0) * splat4(dOut[o]);
    store4(dIn + i0, acc);
  }
  for (; i0 < I; ++i0) {
    float acc = 0.0f;
    for (int o = 0; o < O; ++o) acc += W[o * I + i0] * dOut[o];
    dIn[i0] = acc;
  }
}

}  // namespace cnnlab
