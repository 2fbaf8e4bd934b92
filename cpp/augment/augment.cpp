#include "augment/augment.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>

#include "io/json.h"
#include "kernels/vec8.h"
#include "layers/detmath.h"
#include "network/config.h"

namespace cnnlab {

// ---------------------------------------------------------------- options

bool AugmentOptions::enabled() const {
  return probability > 0.0f && (rotation > 0.0f || scale > 0.0f || shift > 0.0f || shear > 0.0f ||
                                elasticAlpha > 0.0f || stroke > 0.0f);
}

// Chosen by experiment (tests/tools/augment_tool.cpp sweep; the numbers are in the
// header): mild keeps MNIST's own test accuracy and lifts the other styles; strong
// trades ≈ 0.5 point of it for more robustness.
AugmentOptions AugmentOptions::mild() {
  AugmentOptions o;
  o.rotation = 8.0f;
  o.scale = 0.08f;
  o.shift = 2.0f;
  o.shear = 0.15f;
  o.stroke = 0.7f;
  return o;
}

AugmentOptions AugmentOptions::strong() {
  AugmentOptions o;
  o.rotation = 12.0f;
  o.scale = 0.12f;
  o.shift = 3.0f;
  o.shear = 0.3f;
  o.elasticAlpha = 20.0f;
  o.elasticSigma = 4.0f;
  o.stroke = 0.8f;
  return o;
}

namespace {

// The shortest decimal that reads back as the same float (the JSON writer's).
std::string number_text(float v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string s;
  append_json_number(s, v);
  return s;
}

// `text` for a message: in quotes, control characters and DEL as \xNN, backslash and
// quote escaped, at most 40 bytes of it.
std::string quoted(std::string_view text) {
  std::string out = "'";
  const size_t n = std::min<size_t>(text.size(), 40);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", unsigned(c));
      out += buf;
    } else if (c == '\\' || c == '\'') {
      out += '\\';
      out += char(c);
    } else {
      out += char(c);
    }
  }
  if (text.size() > n) out += "...";
  return out + "'";
}

std::string range_text(const AugmentField& f) {
  std::string s = "between " + number_text(f.min) + " and " + number_text(f.max);
  if (*f.unit) s += std::string(" ") + f.unit;
  return s;
}

std::string check_field(const AugmentField& f, float v, std::string_view given) {
  if (v >= f.min && v <= f.max) return {};
  return std::string(f.name) + " must be " + range_text(f) + ", got " +
         (given.empty() ? number_text(v) : quoted(given));
}

const AugmentField& field(float AugmentOptions::*member) {
  for (const AugmentField& f : kAugmentFields)
    if (f.member == member) return f;
  std::abort();  // every member has a row
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// A decimal number, [+−]digits[.digits][e[+−]digits] (or .digits): no hex, inf, nan
// or spaces. strtof, not std::from_chars (missing for floats in Emscripten's libc++ 14).
bool parse_number(std::string_view s, float& v) {
  size_t i = 0;
  auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const bool whole = digits();
  bool fraction = false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    fraction = digits();
  }
  if (!whole && !fraction) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  if (i != s.size()) return false;
  v = std::strtof(std::string(s).c_str(), nullptr);
  return std::isfinite(v);
}

constexpr const char* kKeys = "rot, scale, shift, shear, elastic, stroke, p";

}  // namespace

std::string validate(const AugmentOptions& o) {
  for (const AugmentField& f : kAugmentFields)
    if (auto e = check_field(f, o.*f.member, {}); !e.empty()) return e;
  return {};
}

std::string parse_augment(AugmentOptions& out, std::string_view spec) {
  if (trim(spec).empty())
    return "empty augmentation (use off, on, mild, strong or KEY=VALUE items such as rot=8,shift=2)";
  AugmentOptions o;
  bool seen[std::size(kAugmentFields)] = {};
  size_t start = 0;
  for (int itemIndex = 0;; ++itemIndex) {
    const size_t comma = spec.find(',', start);
    const std::string_view item =
        trim(spec.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (item.empty()) return "empty item " + std::to_string(itemIndex + 1) + " in " + quoted(spec);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      if (item != "off" && item != "on" && item != "mild" && item != "strong")
        return "unknown augmentation " + quoted(item) + " (use off, on, mild, strong or KEY=VALUE with KEY one of " +
               kKeys + ")";
      if (itemIndex > 0) return "the preset " + quoted(item) + " must come first";
      o = item == "off" ? AugmentOptions{} : item == "strong" ? AugmentOptions::strong() : AugmentOptions::mild();
    } else {
      const std::string_view key = trim(item.substr(0, eq)), value = trim(item.substr(eq + 1));
      // The fields this key sets, and the text of each value.
      float AugmentOptions::*members[2] = {nullptr, nullptr};
      std::string_view values[2] = {value, {}};
      if (key == "rot") members[0] = &AugmentOptions::rotation;
      else if (key == "scale") members[0] = &AugmentOptions::scale;
      else if (key == "shift") members[0] = &AugmentOptions::shift;
      else if (key == "shear") members[0] = &AugmentOptions::shear;
      else if (key == "stroke") members[0] = &AugmentOptions::stroke;
      else if (key == "p") members[0] = &AugmentOptions::probability;
      else if (key == "elastic") {
        members[0] = &AugmentOptions::elasticAlpha;
        if (const size_t colon = value.find(':'); colon != std::string_view::npos) {
          values[0] = value.substr(0, colon);
          values[1] = value.substr(colon + 1);
          members[1] = &AugmentOptions::elasticSigma;
        }
      } else {
        return "unknown key " + quoted(key) + " in " + quoted(item) + " (keys: " + kKeys + ")";
      }
      if (value.empty()) return "missing value for " + std::string(key) + " in " + quoted(item);
      for (int m = 0; m < 2 && members[m]; ++m) {
        const AugmentField& f = field(members[m]);
        const size_t row = size_t(&f - kAugmentFields);
        if (seen[row]) return std::string(key) + " given twice";
        seen[row] = true;
        float v = 0.0f;
        if (!parse_number(values[m], v))
          return std::string(f.name) + " must be a number " + range_text(f) + ", got " + quoted(values[m]) +
                 (key == "elastic" ? " (elastic=ALPHA or elastic=ALPHA:SIGMA)" : "");
        if (auto e = check_field(f, v, values[m]); !e.empty()) return e;
        o.*f.member = v;
      }
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (auto e = validate(o); !e.empty()) return e;
  out = o;
  return {};
}

std::string to_string(const AugmentOptions& o) {
  const AugmentOptions off;
  std::string s;
  auto item = [&](const char* key, const std::string& value) {
    if (!s.empty()) s += ',';
    s += key;
    s += '=';
    s += value;
  };
  if (o.rotation != off.rotation) item("rot", number_text(o.rotation));
  if (o.scale != off.scale) item("scale", number_text(o.scale));
  if (o.shift != off.shift) item("shift", number_text(o.shift));
  if (o.shear != off.shear) item("shear", number_text(o.shear));
  if (o.elasticAlpha != off.elasticAlpha || o.elasticSigma != off.elasticSigma) {
    std::string value = number_text(o.elasticAlpha);
    if (o.elasticSigma != off.elasticSigma) value.append(1, ':').append(number_text(o.elasticSigma));
    item("elastic", value);
  }
  if (o.stroke != off.stroke) item("stroke", number_text(o.stroke));
  if (o.probability != off.probability) item("p", number_text(o.probability));
  return s.empty() ? "off" : s;
}

// ---------------------------------------------------------------- one sample

namespace {
// One draw each, never inlined. Inlined, Emscripten 3.1.6's LLVM 14 turned four of
// the draws below into i64x2 lanes computed from the generator's state reloaded from
// memory AFTER the new state had been stored there (a load-splat moved past the
// store): WebAssembly drew other numbers than native code. The pinned checksum in
// tests/cpp/test_augment.cpp catches any such difference.
[[gnu::noinline]] uint64_t draw_bits(Rng& rng) { return rng.next(); }
[[gnu::noinline]] float draw_uniform(Rng& rng) { return rng.uniform(); }
[[gnu::noinline]] float draw_symmetric(Rng& rng, float bound) { return rng.symmetric(bound); }
}  // namespace

AugmentParams draw_augment(const AugmentOptions& o, Rng& rng) {
  // Always kAugmentDraws values, in this order, whatever the options.
  const float gate = draw_uniform(rng);
  const float rotation = draw_symmetric(rng, o.rotation);
  const float scale = draw_symmetric(rng, o.scale);
  const float shear = draw_symmetric(rng, o.shear);
  const float shiftX = draw_symmetric(rng, o.shift);
  const float shiftY = draw_symmetric(rng, o.shift);
  const float stroke = draw_symmetric(rng, o.stroke);
  const uint64_t elasticSeed = draw_bits(rng);
  AugmentParams p;
  if (!(gate < o.probability) || !o.enabled()) return p;
  p.apply = true;
  p.rotation = rotation;
  p.scale = 1.0f + scale;
  p.shear = shear;
  p.shiftX = shiftX;
  p.shiftY = shiftY;
  p.stroke = stroke;
  p.elasticAlpha = o.elasticAlpha;
  p.elasticSigma = o.elasticSigma;
  p.elasticSeed = elasticSeed;
  return p;
}

namespace {

using S = AugmentScratch;
constexpr int kSide = kImageSide;  // 28

// The normalised Gaussian G_σ truncated at radius r = ⌈3σ⌉, cached in the scratch:
// kernel[t + r] = g_t, and its entries split by the parity of their index,
// kernelByParity[p][k] = kernel[2k + p] (the half-resolution blur's runs of taps).
void ensure_kernel(AugmentScratch& s, float sigma) {
  if (s.kernelSigma == sigma) return;
  const int r = std::min(int(std::ceil(3.0 * double(sigma))), S::kMaxRadius);
  double w[2 * S::kMaxRadius + 1], sum = 0.0;
  for (int t = -r; t <= r; ++t) {
    w[t + r] = detmath::exp(-double(t * t) / (2.0 * double(sigma) * double(sigma)));
    sum += w[t + r];
  }
  for (int t = 0; t <= 2 * r; ++t) s.kernel[t] = float(w[t] / sum);
  for (int i = 0; i <= 2 * r; ++i) s.kernelByParity[i % 2][i / 2] = s.kernel[i];
  s.kernelRadius = r;
  s.kernelSigma = sigma;
}

// out[x] = scale·Σ_{t<n} w[t]·in[x + t·step] for x = 0..27, the taps in ascending
// order: three vectors of 8 lanes and one of 4, four independent sums (7 WebAssembly
// registers).
inline void convolve_row(float* out, const float* in, int step, const float* w, int n, float scale) {
  f32x8 a0 = splat8(0.0f), a1 = splat8(0.0f), a2 = splat8(0.0f);
  f32x4 a3 = splat4(0.0f);
  for (int t = 0; t < n; ++t, in += step) {
    const f32x8 k8 = splat8(w[t]);
    a0 += k8 * load8(in);
    a1 += k8 * load8(in + 8);
    a2 += k8 * load8(in + 16);
    a3 += splat4(w[t]) * load4(in + 24);
  }
  store8(out, a0 * splat8(scale));
  store8(out + 8, a1 * splat8(scale));
  store8(out + 16, a2 * splat8(scale));
  store4(out + 24, a3 * splat4(scale));
}

// out[i] = scale·(Σ_{k<na} wa[k]·a[i + k·step] + Σ_{k<nb} wb[k]·b[i + k·step]) for
// i = 0..15 (nb ≤ na ≤ nb + 1): the two runs of taps as two independent sums of 16
// lanes, added at the end (8 WebAssembly registers of sums).
inline void convolve16(float* out, const float* a, const float* wa, int na, const float* b, const float* wb,
                       int nb, int step, float scale) {
  f32x8 a0 = splat8(0.0f), a1 = splat8(0.0f), b0 = splat8(0.0f), b1 = splat8(0.0f);
  for (int k = 0; k < nb; ++k, a += step, b += step) {
    const f32x8 ka = splat8(wa[k]), kb = splat8(wb[k]);
    a0 += ka * load8(a);
    a1 += ka * load8(a + 8);
    b0 += kb * load8(b);
    b1 += kb * load8(b + 8);
  }
  if (na > nb) {
    const f32x8 ka = splat8(wa[nb]);
    a0 += ka * load8(a);
    a1 += ka * load8(a + 8);
  }
  store8(out, (a0 + b0) * splat8(scale));
  store8(out + 8, (a1 + b1) * splat8(scale));
}

// The two noise fields u, uniform in (−1, 1): bytes n, eight per draw (low bits
// first), as (n − 127.5)/128, symmetric about 0 and exact (256 levels: variance
// (1 − 2⁻¹⁶)/3, not measurably less after the blur than a continuous uniform's 1/3).
// One row is four draws, of which 28 bytes are used: at columns 0..27 in order (full
// resolution), or the first 14 at the even columns 0, 2, …, 26 and the next 14 at the
// odd columns (half resolution; the values are independent, so which value lands
// where is only a convention).
typedef uint8_t u8x8 __attribute__((vector_size(8)));
typedef int32_t i32x8 __attribute__((vector_size(32)));
void fill_noise(AugmentScratch& s, uint64_t seed, bool half) {
  if (s.noiseHalf != half) {  // the other layout's values are where this one's margins are
    std::memset(s.noise, 0, sizeof s.noise);
    s.noiseHalf = half;
  }
  Rng rng(seed);
  for (int f = 0; f < 2; ++f)
    for (int y = 0; y < kSide; ++y) {
      alignas(32) float u[32];
      for (int d = 0; d < 4; ++d) {
        const uint64_t z = rng.next();
        u8x8 n;
        std::memcpy(&n, &z, sizeof n);  // little-endian (x86, WebAssembly): byte j is z >> 8j
        const f32x8 v = __builtin_convertvector(__builtin_convertvector(n, i32x8) - 128, f32x8);
        store8(u + 8 * d, (v + splat8(0.5f)) * splat8(1.0f / 128.0f));
      }
      float* row = s.noise[f] + y * S::kNoiseStride;
      if (half) {
        std::memcpy(row + S::kHalfMargin, u, 14 * sizeof(float));
        std::memcpy(row + S::kHalfSegment + S::kHalfMargin, u + 14, 14 * sizeof(float));
      } else {
        std::memcpy(row + S::kFullMargin, u, kSide * sizeof(float));
      }
    }
}

// At full resolution: field ← α·(G_σ ⋆ u), separable, a horizontal pass from the
// zero-margined noise rows, then a vertical pass that skips rows outside the image.
void elastic_field_full(AugmentScratch& s, float alpha, uint64_t seed) {
  const int r = s.kernelRadius, taps = 2 * r + 1;
  const float* k = s.kernel;
  fill_noise(s, seed, false);
  for (int f = 0; f < 2; ++f) {
    for (int y = 0; y < kSide; ++y)  // horizontal: every tap, zero margins
      convolve_row(s.rows + y * 32, s.noise[f] + y * S::kNoiseStride + (S::kFullMargin - r), 1, k, taps, 1.0f);
    for (int y = 0; y < kSide; ++y) {  // vertical: only the rows inside the image
      const int t0 = std::max(0, r - y), t1 = std::min(taps, kSide + r - y);
      convolve_row(s.field[f] + y * kSide, s.rows + (y + t0 - r) * 32, 32, k + t0, t1 - t0, alpha);
    }
  }
}

// field (28×28) ← the 15×15 grid g (rows of 16; point (i, j) at x = 2i, y = 2j)
// upsampled ×2 bilinearly: g itself at even x and y; (a + b)·½ of the two neighbours
// between them, first along x (each grid row, into its even row of the field; the
// row at y = 28 into `last`), then along y (the odd rows).
void upsample2(float* field, const float* g, float* last) {
  for (int j = 0; j < S::kHalfGrid; ++j) {
    // x = 0..31 in four runs of 8 (x = 28..31, past the row, land in the next row,
    // an odd one, which is written after): g[4b..4b+3] interleaved with the means.
    float* out = j < S::kHalfGrid - 1 ? field + 2 * j * kSide : last;
    const float* row = g + j * 16;
    for (int b = 0; b < 4; ++b) {
      const f32x4 a = load4(row + 4 * b), m = (a + load4(row + 4 * b + 1)) * splat4(0.5f);
      store4(out + 8 * b, __builtin_shufflevector(a, m, 0, 4, 1, 5));
      store4(out + 8 * b + 4, __builtin_shufflevector(a, m, 2, 6, 3, 7));
    }
  }
  for (int y = 1; y < kSide; y += 2) {
    const float* above = field + (y - 1) * kSide;
    const float* below = y + 1 < kSide ? above + 2 * kSide : last;
    float* out = field + y * kSide;
    for (int x = 0; x < kSide; x += 4) store4(out + x, (load4(above + x) + load4(below + x)) * splat4(0.5f));
  }
}

// At half resolution: α·(G_σ ⋆ u) exactly at the 15×15 points (2i, 2j), i, j = 0..14
// (x and y = 0, 2, …, 28), then bilinear in between (upsample2). Horizontal pass: for
// each of the 28 noise rows, the 16 lanes x = 2i (i = 0..15) take the even taps from
// the even columns and the odd taps from the odd columns,
//   h[i] = Σ_m g_{2m}·u[2(i + m)] + Σ_m g_{2m+1}·u[2(i + m) + 1]   (|2m|, |2m + 1| ≤ r);
// vertical pass: for y = 2j, the taps t on the rows 0 ≤ y + t ≤ 27, as two runs
// (t0, t0 + 2, … and t0 + 1, t0 + 3, …).
void elastic_field_half(AugmentScratch& s, float alpha, uint64_t seed) {
  const int r = s.kernelRadius;
  fill_noise(s, seed, true);
  // Even taps t = 2m, m = −⌊r/2⌋ … ⌊r/2⌋: kernel indices 2m + r, of r's parity.
  const int evenFirst = -(r / 2), evenTaps = 2 * (r / 2) + 1;
  const int oddFirst = -((r + 1) / 2), oddTaps = 2 * ((r + 1) / 2);  // t = 2m + 1
  const float* evenW = s.kernelByParity[r % 2];
  const float* oddW = s.kernelByParity[1 - r % 2];
  for (int f = 0; f < 2; ++f) {
    for (int y = 0; y < kSide; ++y) {
      const float* even = s.noise[f] + y * S::kNoiseStride + S::kHalfMargin;  // u[0], u[2], …
      const float* odd = even + S::kHalfSegment;                              // u[1], u[3], …
      if (evenTaps > oddTaps)
        convolve16(s.rows + y * 16, even + evenFirst, evenW, evenTaps, odd + oddFirst, oddW, oddTaps, 1, 1.0f);
      else
        convolve16(s.rows + y * 16, odd + oddFirst, oddW, oddTaps, even + evenFirst, evenW, evenTaps, 1, 1.0f);
    }
    for (int j = 0; j < S::kHalfGrid; ++j) {
      const int y = 2 * j, t0 = std::max(-r, -y), t1 = std::min(r, kSide - 1 - y);
      const int n = t1 - t0 + 1, i0 = t0 + r;  // taps t0..t1: kernel indices i0 …
      const float* in = s.rows + (y + t0) * 16;
      convolve16(s.grid + j * 16, in, s.kernelByParity[i0 % 2] + i0 / 2, (n + 1) / 2, in + 16,
                 s.kernelByParity[(i0 + 1) % 2] + (i0 + 1) / 2, n / 2, 32, alpha);
    }
    upsample2(s.field[f], s.grid, s.lastRow);
  }
}

// field[0], field[1] ← α·(G_σ ⋆ u) for two fields u of uniform noise in (−1, 1)
// (zero beyond the 28×28 image): exactly for σ < kHalfSigma, at half resolution with
// bilinear interpolation from σ = kHalfSigma on (see the header).
void elastic_field(AugmentScratch& s, float alpha, float sigma, uint64_t seed) {
  ensure_kernel(s, sigma);
  if (sigma >= S::kHalfSigma) elastic_field_half(s, alpha, seed);
  else elastic_field_full(s, alpha, seed);
}

// Lane-wise a > b ? a : b and a < b ? a : b, by masks (GCC and Clang alike). The
// values here are finite and ≥ +0, so these are exactly std::max and std::min.
template <class V>
inline V lane_pick(decltype(V{} < V{}) mask, V a, V b) {
  using M = decltype(V{} < V{});
  return (V)(((M)a & mask) | ((M)b & ~mask));
}
template <class V> inline V lane_max(V a, V b) { return lane_pick(a > b, a, b); }
template <class V> inline V lane_min(V a, V b) { return lane_pick(a < b, a, b); }

// One run of pixels at c (bordered source, stride W) into out:
// out = c + amount·(D(c) − c), D the max (dilate) or min over the 3×3 cross.
template <class V, bool kDilate>
inline void stroke_run(float* out, const float* c, int W, V amount) {
  auto load = [](const float* p) { V v; std::memcpy(&v, p, sizeof v); return v; };
  const V mid = load(c), left = load(c - 1), right = load(c + 1), up = load(c - W), down = load(c + W);
  const V m = kDilate ? lane_max(lane_max(lane_max(left, right), lane_max(up, down)), mid)
                      : lane_min(lane_min(lane_min(left, right), lane_min(up, down)), mid);
  const V r = mid + amount * (m - mid);
  std::memcpy(out, &r, sizeof r);
}

// stroked ← src + |t|·(D(src) − src), D the grey-scale dilation (t > 0) or erosion
// (t < 0) by the 3×3 cross; the zero border counts as background. Columns 1..24 in
// three runs of 8, 25..28 in one of 4, so the border stays zero.
template <bool kDilate>
void change_stroke(AugmentScratch& s, float amount) {
  const int W = S::kSrcStride;
  for (int y = 1; y <= kSide; ++y) {
    const float* c = s.src + y * W;
    float* out = s.stroked + y * W;
    for (int x = 1; x < 25; x += 8) stroke_run<f32x8, kDilate>(out + x, c + x, W, splat8(amount));
    stroke_run<f32x4, kDilate>(out + 25, c + 25, W, splat4(amount));
  }
}

// ---- Bilinear sampling, zero outside, in three passes over the 784 output pixels
// (8 lanes where the arithmetic is, scalar loads where the data is gathered). Every
// lane computes what the scalar expression in the comments computes.

inline f32x8 select8(i32x8 mask, f32x8 a, f32x8 b) {
  return (f32x8)(((i32x8)a & mask) | ((i32x8)b & ~mask));
}
// Clamped to [lo, hi]: v < lo ? lo : v, then v > hi ? hi : v. In WebAssembly these
// selects are exactly pmax(v, lo) and pmin(v, hi), one instruction each in V8 (LLVM
// would make the masks f32x4.max/min, which V8 expands to NaN-handling sequences).
inline f32x8 clamp8(f32x8 v, float lo, float hi) {
#if defined(__wasm_simd128__)
  f32x4 a = low4(v), b = high4(v);
  a = __builtin_wasm_pmin_f32x4(__builtin_wasm_pmax_f32x4(a, splat4(lo)), splat4(hi));
  b = __builtin_wasm_pmin_f32x4(__builtin_wasm_pmax_f32x4(b, splat4(lo)), splat4(hi));
  return __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7);
#else
  v = select8(v < splat8(lo), splat8(lo), v);
  return select8(v > splat8(hi), splat8(hi), v);
#endif
}
// ⌊v⌋ for |v| < 2²², exactly std::floor: v + 1.5·2²³ lies in [2²³, 2²⁴), where the
// floats are the integers, so subtracting 1.5·2²³ again gives v rounded to an integer
// (+0 for 0); step down by 1 where that is above v. Plain additions: no conversion
// to integers (a sequence of several instructions in V8).
constexpr float kRound = 12582912.0f;  // 1.5·2²³
inline f32x8 floor8(f32x8 v) {
  const f32x8 r = (v + splat8(kRound)) - splat8(kRound);
  return r - (f32x8)((i32x8)splat8(1.0f) & (r > v));
}
// The integer value of v, an integer in [0, 2²³): the low bits of v + 2²³.
inline i32x8 to_int8(f32x8 v) { return (i32x8)(v + splat8(8388608.0f)) - 0x4B000000; }

struct Affine {  // p_src = (p − t) + B·(p − o), o = c + t; see apply_augment
  float b11, b12, b21, b22, tx, ty, ox, oy;
};

// The coordinates of every pixel (x = i mod 28, y = i div 28), and zeros for the spill.
struct PixelGrid {
  alignas(32) float x[S::kPadded], y[S::kPadded];
  constexpr PixelGrid() : x(), y() {
    for (int i = 0; i < S::kPixels; ++i) {
      x[i] = float(i % kSide);
      y[i] = float(i / kSide);
    }
  }
};
constexpr PixelGrid kGrid;

void sample_bilinear(float* out, const float* src, AugmentScratch& s, const Affine& A, bool elastic) {
  // 1. Where each pixel reads: sx = (x − tx) + (b11·(x − ox) + b12·(y − oy)) [+ ex],
  //    likewise sy; clamped to [−1, 28] (beyond that every tap is in the zero border,
  //    as at −1 and 28 with fraction 0); at = (⌊sy⌋ + 1)·stride + ⌊sx⌋ + 1.
  for (int i = 0; i < S::kPixels; i += 8) {
    const f32x8 x = load8(kGrid.x + i), y = load8(kGrid.y + i);
    const f32x8 dx = x - splat8(A.ox), dy = y - splat8(A.oy);
    f32x8 sx = (x - splat8(A.tx)) + (splat8(A.b11) * dx + splat8(A.b12) * dy);
    f32x8 sy = (y - splat8(A.ty)) + (splat8(A.b21) * dx + splat8(A.b22) * dy);
    if (elastic) {
      sx += load8(s.field[0] + i);
      sy += load8(s.field[1] + i);
    }
    sx = clamp8(sx, -1.0f, float(kSide));
    sy = clamp8(sy, -1.0f, float(kSide));
    const f32x8 x0 = floor8(sx), y0 = floor8(sy);
    store8(s.fracX + i, sx - x0);  // exact
    store8(s.fracY + i, sy - y0);
    const i32x8 at = to_int8((y0 + splat8(1.0f)) * splat8(float(S::kSrcStride)) + (x0 + splat8(1.0f)));  // exact
    std::memcpy(s.at + i, &at, sizeof at);
  }
  // 2. The four taps, as two pairs of neighbours: (a, b) = q[0], q[1] into `top` and
  //    (c, d) = q[stride], q[stride + 1] into `bottom`, one 8-byte copy each.
  for (int i = 0; i < S::kPixels; ++i) {
    const float* q = src + s.at[i];
    std::memcpy(s.top + 2 * i, q, 2 * sizeof(float));
    std::memcpy(s.bottom + 2 * i, q + S::kSrcStride, 2 * sizeof(float));
  }
  // 3. top = a + fx·(b − a), bottom = c + fx·(d − c), out = top + fy·(bottom − top):
  //    exactly a for fx = fy = 0, so integer coordinates copy pixels. Four pixels at a
  //    time, the pairs separated by shuffles.
  for (int i = 0; i < S::kPixels; i += 4) {
    const f32x4 fx = load4(s.fracX + i), fy = load4(s.fracY + i);
    const f32x4 p0 = load4(s.top + 2 * i), p1 = load4(s.top + 2 * i + 4);
    const f32x4 q0 = load4(s.bottom + 2 * i), q1 = load4(s.bottom + 2 * i + 4);
    const f32x4 a = __builtin_shufflevector(p0, p1, 0, 2, 4, 6), b = __builtin_shufflevector(p0, p1, 1, 3, 5, 7);
    const f32x4 c = __builtin_shufflevector(q0, q1, 0, 2, 4, 6), d = __builtin_shufflevector(q0, q1, 1, 3, 5, 7);
    const f32x4 top = a + fx * (b - a), bottom = c + fx * (d - c);
    store4(out + i, top + fy * (bottom - top));
  }
}

// byte/255, as Network::load_input computes it (a table: a division per pixel is slow
// in WebAssembly). Constant-folded division is IEEE division: the same floats.
struct ByteToUnit {
  float v[256];
  constexpr ByteToUnit() : v() {
    for (int i = 0; i < 256; ++i) v[i] = float(i) / 255.0f;
  }
};
constexpr ByteToUnit kUnit;

}  // namespace

void apply_augment(float* out, const uint8_t* in, const AugmentParams& p, AugmentScratch& s) {
  if (!p.apply) {
    for (int i = 0; i < kImageSize; ++i) out[i] = kUnit.v[in[i]];
    return;
  }
  // The bordered source and the centre of mass (integer sums: exact).
  uint32_t mass = 0, mx = 0, my = 0;
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x) {
      const uint32_t v = in[y * kSide + x];
      mass += v;
      mx += v * uint32_t(x);
      my += v * uint32_t(y);
      s.src[(y + 1) * S::kSrcStride + x + 1] = kUnit.v[v];
    }
  const float cx = mass ? float(mx) / float(mass) : 0.5f * float(kSide - 1);
  const float cy = mass ? float(my) / float(mass) : 0.5f * float(kSide - 1);

  const float* src = s.src;
  if (p.stroke != 0.0f) {
    if (p.stroke > 0.0f) change_stroke<true>(s, p.stroke);
    else change_stroke<false>(s, -p.stroke);
    src = s.stroked;
  }

  // M⁻¹ = diag(1/s)·Sh(−k)·R(−θ); B = M⁻¹ − I, so that with every amount 0, B = 0
  // exactly and p_src = p − t: integer shifts move pixels exactly.
  const double theta = double(p.rotation) * (3.14159265358979323846 / 180.0);
  const double cs = detmath::cos(theta), sn = detmath::sin(theta), k = p.shear, inv = 1.0 / double(p.scale);
  const float b11 = float((cs + k * sn) * inv - 1.0), b12 = float((sn - k * cs) * inv);
  const float b21 = float(-sn * inv), b22 = float(cs * inv - 1.0);
  const float tx = p.shiftX, ty = p.shiftY, ox = cx + tx, oy = cy + ty;

  const bool elastic = p.elasticAlpha > 0.0f;
  if (elastic) elastic_field(s, p.elasticAlpha, p.elasticSigma, p.elasticSeed);
  sample_bilinear(out, src, s, {b11, b12, b21, b22, tx, ty, ox, oy}, elastic);
}

void augment_image(float* out, const uint8_t* in, const AugmentOptions& options, Rng& rng,
                   AugmentScratch& scratch) {
  apply_augment(out, in, draw_augment(options, rng), scratch);
}

Rng augment_rng(uint64_t seed, uint64_t index) {
  Rng stream((seed ^ 0xA0761D6478BD642Full) + index * 0x9E3779B97F4A7C15ull);
  return Rng(stream.next());
}

}  // namespace cnnlab
