// exp, log, sin and cos written in the project: only +, −, ×, ÷, floor and ldexp/frexp (all
// exact or correctly rounded in IEEE arithmetic), so tanh, sigmoid, softmax and the
// loss give the same bits natively and in WebAssembly, whatever the C library.
#pragma once
#include <cmath>

namespace cnnlab::detmath {

// e^x in double, relative error < 1e-12 for |x| < 700.
inline double exp(double x) {
  if (x != x) return x;
  if (x > 709.0) return HUGE_VAL;
  if (x < -745.0) return 0.0;
  const double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  const double k = std::floor(x * 1.4426950408889634 + 0.5);
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;  // |r| ≤ 0.35
  // Taylor series to r^12/12!: truncation < 1e-16 relative.
  double p = 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  return std::ldexp(p, int(k));
}

// Natural log in double for x > 0; NaN for x < 0 or NaN, −inf for 0.
inline double log(double x) {
  if (!(x >= 0.0)) return NAN;
  if (x == 0.0) return -HUGE_VAL;
  if (x == HUGE_VAL) return x;
  int e = 0;
  double m = std::frexp(x, &e);  // x = m·2^e, m ∈ [0.5, 1)
  if (m < 0.70710678118654752) { m *= 2.0; --e; }
  const double f = (m - 1.0) / (m + 1.0), f2 = f * f;  // |f| ≤ 0.172
  // log m = 2·atanh f = 2(f + f³/3 + f⁵/5 + ...), to f^21.
  double s = 1.0 / 21;
  for (int k = 19; k >= 1; k -= 2) s = s * f2 + 1.0 / k;
  return 2.0 * f * s + e * 0.69314718055994530942;
}

// sin and cos in double for |x| ≤ 1e6 (NaN beyond, and for NaN or ±inf): x is reduced
// by k·π/2 with π/2 split in three parts (fdlibm's constants: k·part₁ is exact for
// |k| < 2²⁰), then the Taylor series of sin or cos on |r| ≤ π/4, nested so that each
// step is one ×, one ÷ and one − (to r²¹ and r²²: truncation < 1e-20). Absolute error
// < 1e-15. For the rotation of data augmentation (cpp/augment/), where the C
// library's sin and cos could differ in the last bit between native and WebAssembly.
namespace detail {
inline double sin_kernel(double r) {  // |r| ≤ π/4
  const double r2 = r * r;
  double s = 1.0;
  for (int n = 21; n >= 3; n -= 2) s = 1.0 - r2 / double(n * (n - 1)) * s;
  return r * s;  // r(1 − r²/3!(1 − r²/(4·5)(1 − ...)))
}
inline double cos_kernel(double r) {
  const double r2 = r * r;
  double c = 1.0;
  for (int n = 22; n >= 2; n -= 2) c = 1.0 - r2 / double(n * (n - 1)) * c;
  return c;  // 1 − r²/2!(1 − r²/(3·4)(1 − ...))
}
// x = k·π/2 + r with |r| ≤ π/4 (slightly more after rounding); returns k mod 4.
inline int reduce_half_pi(double x, double& r) {
  const double kPio2_1 = 1.57079632673412561417e+00, kPio2_2 = 6.07710050630396597660e-11,
               kPio2_3 = 2.02226624871116645580e-21;
  const double k = std::floor(x * 0.63661977236758134308 + 0.5);  // 2/π
  r = ((x - k * kPio2_1) - k * kPio2_2) - k * kPio2_3;
  return int(static_cast<long long>(k) & 3);  // two's complement: also right for k < 0
}
}  // namespace detail

inline double sin(double x) {
  if (!(std::fabs(x) <= 1e6)) return NAN;
  double r = 0.0;
  switch (detail::reduce_half_pi(x, r)) {
    case 0: return detail::sin_kernel(r);
    case 1: return detail::cos_kernel(r);
    case 2: return -detail::sin_kernel(r);
    default: return -detail::cos_kernel(r);
  }
}

inline double cos(double x) {
  if (!(std::fabs(x) <= 1e6)) return NAN;
  double r = 0.0;
  switch (detail::reduce_half_pi(x, r)) {
    case 0: return detail::cos_kernel(r);
    case 1: return -detail::sin_kernel(r);
    case 2: return -detail::cos_kernel(r);
    default: return detail::sin_kernel(r);
  }
}

inline float tanh(float x) {
  if (x > 10.0f) return 1.0f;
  if (x < -10.0f) return -1.0f;
  const double e = exp(2.0 * double(x));
  return float((e - 1.0) / (e + 1.0));
}

inline float sigmoid(float x) { return float(1.0 / (1.0 + exp(-double(x)))); }

}  // namespace cnnlab::detmath
