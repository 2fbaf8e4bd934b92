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

AugmentOptions AugmentOptions::mild() {
  AugmentOptions o;
  o.rotation = 8.0f;
  o.scale = 0.08f;
  o.shift = 2.0f;
  o.shear = 0.15f;
  o.stroke = 0.4f;
  return o;
}

AugmentOptions AugmentOptions::strong() {
  AugmentOptions o;
  o.rotation = 15.0f;
  o.scale = 0.15f;
  o.shift = 3.0f;
  o.shear = 0.3f;
  o.elasticAlpha = 34.0f;
  o.elasticSigma = 4.0f;
  o.stroke = 0.6f;
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

AugmentParams draw_augment(const AugmentOptions& o, Rng& rng) {
  // Always kAugmentDraws values, in this order, whatever the options.
  const float gate = rng.uniform();
  const float rotation = rng.symmetric(o.rotation);
  const float scale = rng.symmetric(o.scale);
  const float shear = rng.symmetric(o.shear);
  const float shiftX = rng.symmetric(o.shift);
  const float shiftY = rng.symmetric(o.shift);
  const float stroke = rng.symmetric(o.stroke);
  const uint64_t elasticSeed = rng.next();
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

// Bilinear sample of the bordered source at (sx, sy) in pixel coordinates: zero
// outside. a + f·(b − a) is exactly a for f = 0, so integer coordinates copy pixels.
inline float bilinear(const float* src, float sx, float sy) {
  const float x0 = std::floor(sx), y0 = std::floor(sy);
  if (!(x0 >= -1.0f && x0 <= float(kSide - 1) && y0 >= -1.0f && y0 <= float(kSide - 1))) return 0.0f;
  const float fx = sx - x0, fy = sy - y0;  // exact
  const float* p = src + (int(y0) + 1) * S::kSrcStride + (int(x0) + 1);
  const float top = p[0] + fx * (p[1] - p[0]);
  const float bottom = p[S::kSrcStride] + fx * (p[S::kSrcStride + 1] - p[S::kSrcStride]);
  return top + fy * (bottom - top);
}

// The normalised Gaussian G_σ truncated at radius ⌈3σ⌉, cached in the scratch.
void ensure_kernel(AugmentScratch& s, float sigma) {
  if (s.kernelSigma == sigma) return;
  const int r = std::min(int(std::ceil(3.0 * double(sigma))), S::kMaxRadius);
  double w[2 * S::kMaxRadius + 1], sum = 0.0;
  for (int t = -r; t <= r; ++t) {
    w[t + r] = detmath::exp(-double(t * t) / (2.0 * double(sigma) * double(sigma)));
    sum += w[t + r];
  }
  for (int t = 0; t <= 2 * r; ++t) s.kernel[t] = float(w[t] / sum);
  s.kernelRadius = r;
  s.kernelSigma = sigma;
}

// field[0], field[1] ← α·(G_σ ⋆ u) for two fields u of uniform noise in (−1, 1)
// (zero beyond the 28×28 image). Separable: a horizontal pass from the zero-margined
// noise rows, then a vertical pass that skips rows outside the image; 8 lanes along x,
// taps summed in ascending order.
void elastic_field(AugmentScratch& s, float alpha, float sigma, uint64_t seed) {
  ensure_kernel(s, sigma);
  const int r = s.kernelRadius, taps = 2 * r + 1;
  const float* k = s.kernel;
  Rng rng(seed);
  for (int f = 0; f < 2; ++f)
    for (int y = 0; y < kSide; ++y) {
      float* row = s.noise[f] + y * S::kNoiseStride + S::kMaxRadius;
      for (int x = 0; x < kSide; x += 4) {  // four 16-bit values per draw
        const uint64_t z = rng.next();
        for (int j = 0; j < 4; ++j)  // (u − 32767.5)/32768: symmetric, exact
          row[x + j] = (float(int((z >> (16 * j)) & 0xFFFF) - 32768) + 0.5f) * (1.0f / 32768.0f);
      }
    }
  const f32x8 a = splat8(alpha);
  for (int f = 0; f < 2; ++f) {
    for (int y = 0; y < kSide; ++y) {
      const float* in = s.noise[f] + y * S::kNoiseStride + (S::kMaxRadius - r);
      for (int x0 = 0; x0 < 32; x0 += 8) {
        f32x8 acc = splat8(0.0f);
        for (int t = 0; t < taps; ++t) acc += splat8(k[t]) * load8(in + x0 + t);
        store8(s.rows + y * S::kFieldStride + x0, acc);
      }
    }
    for (int y = 0; y < kSide; ++y) {
      const int t0 = std::max(0, r - y), t1 = std::min(taps, kSide + r - y);
      for (int x0 = 0; x0 < 32; x0 += 8) {
        f32x8 acc = splat8(0.0f);
        for (int t = t0; t < t1; ++t) acc += splat8(k[t]) * load8(s.rows + (y + t - r) * S::kFieldStride + x0);
        store8(s.field[f] + y * S::kFieldStride + x0, acc * a);
      }
    }
  }
}

// stroked ← src + |t|·(D(src) − src), D the grey-scale dilation (t > 0) or erosion
// (t < 0) by the 3×3 cross; the zero border counts as background.
void change_stroke(AugmentScratch& s, float t) {
  const float amount = std::fabs(t);
  const int W = S::kSrcStride;
  for (int y = 1; y <= kSide; ++y) {
    const float* c = s.src + y * W;
    float* out = s.stroked + y * W;
    if (t > 0.0f) {
      for (int x = 1; x <= kSide; ++x) {
        const float m = std::max(std::max(std::max(c[x - 1], c[x + 1]), std::max(c[x - W], c[x + W])), c[x]);
        out[x] = c[x] + amount * (m - c[x]);
      }
    } else {
      for (int x = 1; x <= kSide; ++x) {
        const float m = std::min(std::min(std::min(c[x - 1], c[x + 1]), std::min(c[x - W], c[x + W])), c[x]);
        out[x] = c[x] + amount * (m - c[x]);
      }
    }
  }
}

}  // namespace

void apply_augment(float* out, const uint8_t* in, const AugmentParams& p, AugmentScratch& s) {
  if (!p.apply) {
    for (int i = 0; i < kImageSize; ++i) out[i] = float(in[i]) / 255.0f;  // as Network::load_input
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
      s.src[(y + 1) * S::kSrcStride + x + 1] = float(v) / 255.0f;
    }
  const float cx = mass ? float(mx) / float(mass) : 0.5f * float(kSide - 1);
  const float cy = mass ? float(my) / float(mass) : 0.5f * float(kSide - 1);

  const float* src = s.src;
  if (p.stroke != 0.0f) {
    change_stroke(s, p.stroke);
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

  for (int y = 0; y < kSide; ++y) {
    const float fy = float(y), dy = fy - oy;
    const float* ex = s.field[0] + y * S::kFieldStride;
    const float* ey = s.field[1] + y * S::kFieldStride;
    for (int x = 0; x < kSide; ++x) {
      const float fx = float(x), dx = fx - ox;
      float sx = (fx - tx) + (b11 * dx + b12 * dy);
      float sy = (fy - ty) + (b21 * dx + b22 * dy);
      if (elastic) {
        sx += ex[x];
        sy += ey[x];
      }
      out[y * kSide + x] = bilinear(src, sx, sy);
    }
  }
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
