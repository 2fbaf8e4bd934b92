// Every activation and δ tensor of a network's last pass, forward then backward.
#pragma once
#include <vector>

#include "network/network.h"

namespace cnnlab::testing {
inline std::vector<TensorView> all_views(Network& net) {
  std::vector<TensorView> v = net.forward_views();
  for (auto& d : net.delta_views()) v.push_back(d);
  return v;
}
}  // namespace cnnlab::testing
