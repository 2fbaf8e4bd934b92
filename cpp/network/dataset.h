// A labelled set of 28×28 uint8 images owned by the core's memory. In WebAssembly
// the page copies MNIST into one of these once; Model::set_training_data and
// Model::evaluate then read it in place.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "network/config.h"

namespace cnnlab {

class Dataset {
 public:
  // Throws std::invalid_argument for a count outside limits::datasetImages.
  explicit Dataset(size_t count) : images_(checked(count) * kImageSize, 0), labels_(count, 0) {}
  size_t count() const { return labels_.size(); }
  uint8_t* images() { return images_.data(); }
  uint8_t* labels() { return labels_.data(); }
  const uint8_t* labels() const { return labels_.data(); }
  const uint8_t* image(size_t i) const { return images_.data() + i * kImageSize; }
  // Image i, checked: throws std::invalid_argument outside the dataset.
  const uint8_t* checked_image(size_t i) const {
    if (i >= count())
      throw std::invalid_argument("image " + std::to_string(i) + " is outside the dataset of " + std::to_string(count()));
    return image(i);
  }

 private:
  static size_t checked(size_t count) {
    if (!within(limits::datasetImages, double(count)))
      throw std::invalid_argument(out_of_range(limits::datasetImages, "a dataset's image count", std::to_string(count)));
    return count;
  }
  std::vector<uint8_t> images_, labels_;
};

}  // namespace cnnlab
