#include "layers/dense.h"

#include "kernels/vec8.h"

namespace cnnlab {

// Each dot product runs on 8 lanes (partial sums over i ≡ lane mod 8); four rows'
// lane sums are then added by shuffles (sum4x4). A fixed order on every platform.
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
  int o = 0;
  for (; o + 4 <= O; o += 4) {
    f32x4 h[4];
    float tail[4];
    for (int k = 0; k < 4; ++k) row_partials(o + k, h[k], tail[k]);
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
  // dIn[i] = Σ_o W[o][i]·δ[o], summed in o order (lane by lane, as the scalar loop would)
  for (int i = 0; i < I; ++i) dIn[i] = 0.0f;
  for (int o = 0; o < O; ++o) {
    const float d = dOut[o];
    const f32x8 d8 = splat8(d);
    const float* row = W + o * I;
    for (int i = 0; i < vectorEnd; i += 8) store8(dIn + i, load8(dIn + i) + load8(row + i) * d8);
    for (int i = vectorEnd; i < I; ++i) dIn[i] += row[i] * d;
  }
}

}  // namespace cnnlab
