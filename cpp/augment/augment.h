// Data augmentation for training, applied to each sample inside the training loop:
// a random affine map (rotation, scale, shear, shift), an elastic distortion
// (Simard, Steinkraus & Platt 2003, "Best practices for convolutional neural
// networks applied to visual document analysis", §2) and a mild stroke-width change
// (grey-scale dilation or erosion), sampled once, bilinearly, with zero outside.
// No heap allocation per sample; the same options and Rng state give the same bits
// natively and in WebAssembly (the project's Rng, detmath's exp/sin/cos, no FMA,
// fixed loop orders).
//
// ---- The text form (cnnlab train --augment SPEC; the page and the API use the same)
//
//   SPEC := off | on | mild | strong | ITEM[,ITEM...]
//   ITEM := PRESET | KEY=VALUE      a preset may only come first; KEY=VALUE items
//                                   override it; without a preset, amounts not
//                                   given are 0 (off). Each key at most once.
//   rot=DEG         rotation, uniform in ±DEG degrees                       0..45
//   scale=F         size factor, uniform in [1−F, 1+F]                      0..0.5
//   shift=PX        shift, uniform in ±PX pixels on each axis (sub-pixel)   0..8
//   shear=K         slant x += k·(y − ȳ), k uniform in ±K (0.36 ≈ 20°)     0..1
//   elastic=A[:S]   elastic distortion: α = A pixels, Gaussian σ = S pixels
//                   (default 4); elastic=0 is off                 A 0..60, S 1..8
//   stroke=T        stroke width: blend by |t| toward a 1-pixel dilation (t > 0,
//                   thicker) or erosion (t < 0, thinner), t uniform in ±T   0..1
//   p=P             probability that a sample is augmented at all (default 1) 0..1
//
//   on = mild = rot=8,scale=0.08,shift=2,shear=0.15,stroke=0.7
//   strong    = rot=12,scale=0.12,shift=3,shear=0.3,elastic=20:4,stroke=0.8
//   Examples: mild · rot=10,shift=1.5 · mild,elastic=20:4 · strong,p=0.5
//
//   Why these (tests/tools/augment_tool.cpp sweep: the default network, batch 16,
//   momentum 0.9, λ 0.02 with cosine decay; MNIST test accuracy, then in brackets the
//   mean over the MNIST test digits redrawn slanted ±20°, rotated ±20°, thin, thick,
//   ×0.7 and ×1.25, and the thick ones alone):
//     30 epochs, seed 1:   off 99.02% [95.3%, thick 94.7%]   mild 99.14% [97.1%, 95.7%]
//     10 epochs, 3 seeds:  off 99.05% [95.3%, 95.2%]   rot=8,scale=0.08,shift=2 98.99%
//       [96.1%, 93.9%]   + shear=0.15 99.03% [96.0%, 93.7%]   + stroke=0.7 (mild)
//       99.03% [96.4%, 95.8%]   stroke=1 instead 98.93% [96.5%, 96.9%]
//       mild + elastic=16 98.92% [96.3%, 95.9%] (2 seeds)
//     10 epochs, 1 seed:   strong 98.51% [96.2%, 94.7%], and 92.5% on digits shifted by
//       (±4, ±3) px (mild 74%, off 36%); elastic=34 with mild's affine 98.38% [95.5%, 88.0%]
//     (the elastic runs with the field computed at full resolution, before σ ≥ 4 went
//     to half resolution; see below)
//   The affine part alone makes thick strokes worse; the stroke change undoes that.
//
// to_string() gives the canonical form that parses back to the same options bit for
// bit: "off", or the KEY=VALUE items that differ from off, in the order above, each
// number in its shortest exact form (a preset's name is never written, so a recorded
// command keeps its meaning if a preset changes).
//
// ---- The transform of one sample
//
// With c the input's centre of mass (MNIST's own reference point: its digits were
// centred by it), the source is scaled by s about c, sheared horizontally by k,
// rotated by θ (positive = clockwise on screen, y pointing down) and shifted by t:
//   p_out = c + t + R(θ)·Sh(k)·diag(s)·(p_src − c)
// Each output pixel p is then sampled at the inverse of this plus the elastic
// displacement, p_src = c + M⁻¹(p − c − t) + α·(G_σ ⋆ u)(p), u uniform in [−1, 1]
// (256 levels) on each 28×28 field (zero beyond the image) and G_σ a normalised
// Gaussian truncated at ⌈3σ⌉ (as Simard et al. and scipy's gaussian_filter). The
// stroke change is done on the source before sampling. With every amount 0 the output
// is exactly input/255.
//
// The elastic field is computed exactly for σ < 4. From σ = 4 on (the default) it is
// computed exactly at the 15×15 points x, y = 0, 2, …, 28 and bilinearly in between,
// at about half the cost: the blurred field has almost no energy at the
// frequencies a grid of step 2 cannot carry (its power spectrum exp(−σ²ω²) is below
// e⁻³⁹ at ω = π/2 for σ = 4), but the interpolation between the points smooths a
// little: against the exact blur of the same noise the field differs by 2.9% RMS at
// σ = 4 (1.3% at σ = 6, 0.7% at σ = 8), and over all fields its variance, averaged
// over the image, is 3.3% lower and its correlations at lags 1..8 are within 0.012 of
// the exact blur's at σ = 4 (1.6% and 0.004 at σ = 6, 0.9% and 0.0015 at σ = 8:
// computed from the two linear maps; tests/cpp/test_augment.cpp measures them).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "network/config.h"
#include "network/rng.h"

namespace cnnlab {

// The amounts. Default-constructed = off (no augmentation).
struct AugmentOptions {
  float rotation = 0.0f;      // degrees, ±
  float scale = 0.0f;         // fraction, ±
  float shift = 0.0f;         // pixels, ± on each axis
  float shear = 0.0f;         // horizontal shear factor, ±
  float elasticAlpha = 0.0f;  // α, pixels (0 = no elastic distortion)
  float elasticSigma = float(limits::augmentElasticSigma.fallback);  // σ, pixels (4; only used when α > 0)
  float stroke = 0.0f;        // dilation/erosion blend, ±
  float probability = float(limits::augmentProbability.fallback);  // of augmenting a sample at all (1)

  // True if a sample can change: some amount > 0 and probability > 0.
  bool enabled() const;
  bool operator==(const AugmentOptions&) const = default;

  static AugmentOptions mild();    // = "on"
  static AugmentOptions strong();
};

// One row per field, in the text form's order: what validate(), the parser and
// to_string() (and the page's controls) are generated from. The ranges and defaults
// are entries of the project's ONE table of option limits (network/config.h,
// limits::augment*); min and max here are those, as floats.
struct AugmentField {
  const char* name;                   // as in messages: the key, or "elastic sigma"
  float AugmentOptions::*member;
  const Limit* limit;                 // its entry in limits::
  float min, max;                     // the limit's range as floats
  const char* unit;                   // "degrees", "pixels", "" ...
  const char* meaning;
};
constexpr AugmentField augment_field(const char* name, float AugmentOptions::*member, const Limit& limit,
                                     const char* unit, const char* meaning) {
  return {name, member, &limit, float(limit.min), float(limit.max), unit, meaning};
}
inline constexpr AugmentField kAugmentFields[] = {
    augment_field("rot", &AugmentOptions::rotation, limits::augmentRotation, "degrees",
                  "rotation, uniform in ±rot"),
    augment_field("scale", &AugmentOptions::scale, limits::augmentScale, "",
                  "size factor, uniform in [1 − scale, 1 + scale]"),
    augment_field("shift", &AugmentOptions::shift, limits::augmentShift, "pixels",
                  "shift on each axis, uniform in ±shift"),
    augment_field("shear", &AugmentOptions::shear, limits::augmentShear, "",
                  "horizontal shear (slant) factor, uniform in ±shear"),
    augment_field("elastic alpha", &AugmentOptions::elasticAlpha, limits::augmentElasticAlpha, "pixels",
                  "elastic distortion strength α (0 = off)"),
    augment_field("elastic sigma", &AugmentOptions::elasticSigma, limits::augmentElasticSigma, "pixels",
                  "elastic distortion smoothness σ"),
    augment_field("stroke", &AugmentOptions::stroke, limits::augmentStroke, "",
                  "stroke-width change, dilation/erosion blend uniform in ±stroke"),
    augment_field("p", &AugmentOptions::probability, limits::augmentProbability, "",
                  "probability of augmenting a sample"),
};

// An empty string if usable, else what is wrong (naming the field).
std::string validate(const AugmentOptions& options);

// Parses the text form above into `out`. Returns an empty string on success, else a
// one-line message naming the bad item, key or value (control characters escaped,
// long text cut); `out` is then unchanged.
std::string parse_augment(AugmentOptions& out, std::string_view spec);
// The canonical text form (see above); parse_augment(to_string(o)) == o.
std::string to_string(const AugmentOptions& options);

// The random draw for one sample: what augment_image applies. Public so that tests,
// tools and the page can apply an exact transform (e.g. a 90° rotation, outside the
// options' limits).
struct AugmentParams {
  bool apply = false;          // false: the output is input/255
  float rotation = 0.0f;       // θ, degrees, clockwise on screen
  float scale = 1.0f;          // s
  float shear = 0.0f;          // k
  float shiftX = 0.0f, shiftY = 0.0f;  // t, pixels (+x right, +y down)
  float stroke = 0.0f;         // in [−1, 1]: > 0 dilation, < 0 erosion blend
  float elasticAlpha = 0.0f, elasticSigma = 4.0f;
  uint64_t elasticSeed = 0;    // seeds the Rng of the two noise fields
};

// Draws one sample's parameters. Always takes exactly kAugmentDraws values from
// `rng`, whatever the options, so a run's stream advances the same way with
// augmentation on or off.
inline constexpr int kAugmentDraws = 8;
AugmentParams draw_augment(const AugmentOptions& options, Rng& rng);

// Per-sample working memory (≈ 59 KB of fixed-size arrays; allocate it once, e.g. as
// a member of the model). Its contents are private to augment.cpp.
struct AugmentScratch {
  static constexpr int kMaxRadius = 24;                     // ⌈3σ⌉ for σ ≤ 8
  // The elastic field is computed at half resolution from σ = kHalfSigma on.
  static constexpr float kHalfSigma = 4.0f;
  static constexpr int kHalfGrid = 15;                      // points x, y = 0, 2, …, 28
  // The source with a zero border: image rows and columns −1..29 (two extra at the
  // bottom and right, so that clamped coordinates read zeros).
  static constexpr int kSrcStride = 32, kSrcRows = 31;
  // A noise row u with zero margins: at full resolution u[x] at kFullMargin + x
  // (margins ⌈3σ⌉ ≤ 12 for σ < 4); at half resolution two segments of kHalfSegment,
  // u[0], u[2], …, u[26] from kHalfMargin, then u[1], u[3], …, u[27] likewise.
  static constexpr int kFullMargin = 12, kHalfMargin = kMaxRadius / 2, kHalfSegment = kHalfMargin + 28;
  static constexpr int kNoiseStride = 2 * kHalfSegment;
  static constexpr int kPixels = 28 * 28, kPadded = kPixels + 8;  // + one vector's spill
  alignas(32) float src[kSrcRows * kSrcStride] = {};        // input/255, bordered
  alignas(32) float stroked[kSrcRows * kSrcStride] = {};    // after the stroke change
  alignas(32) float noise[2][28 * kNoiseStride] = {};       // u, zero margins
  alignas(32) float rows[28 * 32] = {};                     // horizontal pass
  alignas(32) float grid[kHalfGrid * 16 + 8] = {};          // half resolution: the 15×15 points
  alignas(32) float lastRow[32] = {};                       // half resolution: y = 28, upsampled
  alignas(32) float field[2][kPadded] = {};                 // α·(G_σ ⋆ u), x and y, 28×28
  // The bilinear sampling, one array per step: where each output pixel reads, its
  // fractional position, and the four source values as two pairs of neighbours.
  alignas(32) int32_t at[kPadded] = {};
  alignas(32) float fracX[kPadded] = {}, fracY[kPadded] = {};
  alignas(32) float top[2 * kPixels] = {}, bottom[2 * kPixels] = {};
  float kernel[2 * kMaxRadius + 1] = {};
  float kernelByParity[2][kMaxRadius + 1] = {};             // kernel[2k], kernel[2k + 1]
  float kernelSigma = 0.0f;                                  // σ of `kernel` (0: none yet)
  int kernelRadius = 0;
  bool noiseHalf = false;                                    // the layout of `noise`
};

// out784 ← the transform `params` applied to in784 (bytes, value/255).
void apply_augment(float* out784, const uint8_t* in784, const AugmentParams& params,
                   AugmentScratch& scratch);

// out784 ← a random augmentation of in784 (bytes; the output is in [0, 1]):
// draw_augment then apply_augment.
void augment_image(float* out784, const uint8_t* in784, const AugmentOptions& options, Rng& rng,
                   AugmentScratch& scratch);

// The Rng for sample number `index` (0, 1, 2, … over the whole run) of a run whose
// augmentation is seeded by `seed`: counter-based (SplitMix64's output `index` of the
// stream `seed`, used as a new state), so a run needs no augmentation state of its
// own beyond the count of samples seen, and a resumed or rewound run draws the same.
Rng augment_rng(uint64_t seed, uint64_t index);

}  // namespace cnnlab
