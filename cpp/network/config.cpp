#include "network/config.h"

namespace cnnlab {

std::string validate(const Config& c) {
  if (c.maps1 < 1 || c.maps1 > kMaxMaps)
    return "maps1 must be between 1 and " + std::to_string(kMaxMaps) + ", got " + std::to_string(c.maps1);
  if (c.maps2 < 1 || c.maps2 > kMaxMaps)
    return "maps2 must be between 1 and " + std::to_string(kMaxMaps) + ", got " + std::to_string(c.maps2);
  if (c.hidden < 1 || c.hidden > kMaxHidden)
    return "hidden must be between 1 and " + std::to_string(kMaxHidden) + ", got " + std::to_string(c.hidden);
  if (c.activation != Activation::ReLU && c.activation != Activation::Tanh &&
      c.activation != Activation::Sigmoid)
    return "unknown activation";
  if (c.pooling != Pooling::Average && c.pooling != Pooling::Max) return "unknown pooling";
  return {};
}

const char* to_string(Activation a) {
  switch (a) {
    case Activation::ReLU: return "relu";
    case Activation::Tanh: return "tanh";
    case Activation::Sigmoid: return "sigmoid";
  }
  return "?";
}
const char* to_string(Pooling p) { return p == Pooling::Max ? "max" : "average"; }

std::optional<Activation> parse_activation(const std::string& s) {
  if (s == "relu") return Activation::ReLU;
  if (s == "tanh") return Activation::Tanh;
  if (s == "sigmoid") return Activation::Sigmoid;
  return std::nullopt;
}
std::optional<Pooling> parse_pooling(const std::string& s) {
  if (s == "average" || s == "avg") return Pooling::Average;
  if (s == "max") return Pooling::Max;
  return std::nullopt;
}

ParamLayout::ParamLayout(const Config& c)
    : maps1(c.maps1), maps2(c.maps2), hidden(c.hidden), flatten(c.maps2 * 16) {
  size_t at = 0;
  kernels1 = at; at += size_t(maps1) * 25;
  bias1 = at;    at += maps1;
  kernels2 = at; at += size_t(maps2) * maps1 * 25;
  bias2 = at;    at += maps2;
  weights1 = at; at += size_t(hidden) * flatten;
  bias1d = at;   at += hidden;
  weights2 = at; at += size_t(kClasses) * hidden;
  bias2d = at;   at += kClasses;
  total = at;
}

}  // namespace cnnlab
