// The IDX reader: the real MNIST files, and every kind of malformed file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "io/files.h"
#include "io/idx.h"
#include "io_test_util.h"

namespace cnnlab {
namespace {

using testing::expect_format_error;
using testing::TempDir;

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(uint8_t(v >> shift));
}

// An IDX images file with the given header and `pixelBytes` bytes of pixels.
std::vector<uint8_t> images_file(uint32_t count, size_t pixelBytes, uint32_t rows = 28,
                                 uint32_t cols = 28, uint32_t magic = kIdxImagesMagic) {
  std::vector<uint8_t> f;
  put_be32(f, magic);
  put_be32(f, count);
  put_be32(f, rows);
  put_be32(f, cols);
  for (size_t i = 0; i < pixelBytes; ++i) f.push_back(uint8_t(i * 7));
  return f;
}
std::vector<uint8_t> images_file(uint32_t count) { return images_file(count, size_t(count) * 784); }

std::vector<uint8_t> labels_file(uint32_t count, const std::vector<uint8_t>& labels,
                                 uint32_t magic = kIdxLabelsMagic) {
  std::vector<uint8_t> f;
  put_be32(f, magic);
  put_be32(f, count);
  f.insert(f.end(), labels.begin(), labels.end());
  return f;
}

IdxImages parse_images(const std::vector<uint8_t>& f) {
  return parse_idx_images(f.data(), f.size(), "images.idx");
}
std::vector<uint8_t> parse_labels(const std::vector<uint8_t>& f) {
  return parse_idx_labels(f.data(), f.size(), "labels.idx");
}

TEST(IdxReal, TrainingAndTestSetsParse) {
  const MnistSet train = load_mnist(CNNLAB_MNIST_DIR, "train");
  EXPECT_EQ(train.count, 60000u);
  EXPECT_EQ(train.images.size(), 60000u * 784);
  EXPECT_EQ(train.labels.size(), 60000u);
  EXPECT_EQ(train.labels[0], 5);  // the famous first "5"
  const MnistSet test = load_mnist(CNNLAB_MNIST_DIR, "t10k");
  EXPECT_EQ(test.count, 10000u);
  EXPECT_EQ(test.images.size(), 10000u * 784);
  EXPECT_EQ(test.labels[0], 7);
  // Every digit occurs; pixels use the full byte range.
  int counts[10] = {};
  for (uint8_t l : train.labels) counts[l]++;
  for (int c : counts) EXPECT_GT(c, 5000);
  uint8_t maxPixel = 0;
  for (size_t i = 0; i < 784; ++i) maxPixel = std::max(maxPixel, train.images[i]);
  EXPECT_EQ(maxPixel, 255);
}

TEST(IdxParse, WellFormedSmallFiles) {
  const auto f = images_file(3);
  const IdxImages images = parse_images(f);
  EXPECT_EQ(images.count, 3u);
  ASSERT_EQ(images.pixels.size(), 3u * 784);
  EXPECT_EQ(images.pixels[1], 7);
  const auto labels = parse_labels(labels_file(3, {0, 9, 4}));
  EXPECT_EQ(labels, (std::vector<uint8_t>{0, 9, 4}));
}

TEST(IdxMalformed, BadMagic) {
  expect_format_error([] { parse_images(images_file(1, 784, 28, 28, kIdxLabelsMagic)); },
                      "images.idx: bad magic 0x00000801, expected 0x00000803 (IDX images)");
  expect_format_error([] { parse_labels(labels_file(1, {3}, 0x00000803)); },
                      "labels.idx: bad magic 0x00000803, expected 0x00000801 (IDX labels)");
  // A little-endian header (a common mistake when writing IDX by hand).
  expect_format_error([] { parse_labels(labels_file(1, {3}, 0x01080000)); },
                      "bad magic 0x01080000, expected 0x00000801");
}

TEST(IdxMalformed, EmptyFile) {
  expect_format_error([] { parse_images({}); }, "images.idx: file is empty");
  expect_format_error([] { parse_labels({}); }, "labels.idx: file is empty");
}

TEST(IdxMalformed, TruncatedHeader) {
  auto f = images_file(1);
  f.resize(10);
  expect_format_error([&] { parse_images(f); },
                      "images.idx: file is 10 bytes, too short for the 16-byte header of IDX images");
  expect_format_error([] { parse_labels({0, 0, 8, 1, 0}); },
                      "labels.idx: file is 5 bytes, too short for the 8-byte header of IDX labels");
}

TEST(IdxMalformed, WrongImageSize) {
  expect_format_error([] { parse_images(images_file(1, 32 * 28, 32, 28)); },
                      "images.idx: images are 32×28, expected 28×28");
  expect_format_error([] { parse_images(images_file(1, 28 * 27, 28, 27)); },
                      "images are 28×27, expected 28×28");
}

TEST(IdxMalformed, CountLargerThanData) {
  // The header claims 60000 images, the file holds 1000 bytes of pixels.
  const auto f = images_file(60000, 1000 - 16);
  expect_format_error([&] { parse_images(f); },
                      "images.idx: file is 1000 bytes, expected 47040016 for 60000 images of 28×28 (truncated)");
  expect_format_error([] { parse_labels(labels_file(10, {1, 2, 3})); },
                      "labels.idx: file is 11 bytes, expected 18 for 10 labels (truncated)");
}

TEST(IdxMalformed, TruncatedLastImage) {
  auto f = images_file(2);
  f.pop_back();
  expect_format_error([&] { parse_images(f); },
                      "file is 1583 bytes, expected 1584 for 2 images of 28×28 (truncated)");
}

TEST(IdxMalformed, TrailingBytes) {
  auto f = images_file(2);
  f.push_back(0);
  expect_format_error([&] { parse_images(f); },
                      "file is 1585 bytes, expected 1584 for 2 images of 28×28 (trailing bytes)");
  expect_format_error([] { parse_labels(labels_file(2, {1, 2, 3})); },
                      "file is 11 bytes, expected 10 for 2 labels (trailing bytes)");
}

TEST(IdxMalformed, ZeroCount) {
  expect_format_error([] { parse_images(images_file(0)); }, "holds no images");
  expect_format_error([] { parse_labels(labels_file(0, {})); }, "holds no labels");
}

TEST(IdxMalformed, HugeCountDoesNotOverflow) {
  // 0xFFFFFFFF·784 overflows 32 bits; the check uses 64-bit sizes.
  const auto f = images_file(0xFFFFFFFFu, 784);
  expect_format_error([&] { parse_images(f); }, "expected 3367254359296 for 4294967295 images");
}

TEST(IdxMalformed, LabelNotADigit) {
  expect_format_error([] { parse_labels(labels_file(4, {1, 2, 10, 3})); },
                      "labels.idx: label 10 at index 2 is not a digit 0..9");
  expect_format_error([] { parse_labels(labels_file(1, {255})); }, "label 255 at index 0");
}

TEST(IdxMalformed, ImagesAndLabelsCountMismatch) {
  TempDir dir;
  const auto images = images_file(2);
  const auto labels = labels_file(3, {1, 2, 3});
  write_file_bytes(dir.file("train-images-idx3-ubyte"), images.data(), images.size());
  write_file_bytes(dir.file("train-labels-idx1-ubyte"), labels.data(), labels.size());
  expect_format_error([&] { load_mnist(dir.file(""), "train"); },
                      "train-labels-idx1-ubyte: 3 labels, but");
  expect_format_error([&] { load_mnist(dir.file(""), "train"); }, "holds 2 images");
}

TEST(IdxMalformed, LoadMnistNamesTheFile) {
  TempDir dir;
  const auto images = images_file(1, 784, 28, 28, kIdxLabelsMagic);
  write_file_bytes(dir.file("t10k-images-idx3-ubyte"), images.data(), images.size());
  expect_format_error([&] { load_mnist(dir.file(""), "t10k"); },
                      "t10k-images-idx3-ubyte: bad magic 0x00000801");
  expect_format_error([&] { load_mnist(dir.file(""), "validation"); }, "unknown MNIST split");
}

TEST(IdxMissing, MissingFileIsAnIoError) {
  TempDir dir;
  try {
    load_mnist(dir.file(""), "train");
    FAIL() << "no exception";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("train-images-idx3-ubyte"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cnnlab
