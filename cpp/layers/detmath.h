// exp and log written in the project: only +, −, ×, ÷, floor and ldexp/frexp (all
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

inline float tanh(float x) {
  if (x > 10.0f) return 1.0f;
  if (x < -10.0f) return -1.0f;
  const double e = exp(2.0 * double(x));
  return float((e - 1.0) / (e + 1.0));
}

inline float sigmoid(float x) { return float(1.0 / (1.0 + exp(-double(x)))); }

}  // namespace cnnlab::detmath
