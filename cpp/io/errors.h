// The exception types of cpp/io. Every message says exactly what is wrong, so the
// CLI and the web UI can show it as is.
#pragma once
#include <stdexcept>

namespace cnnlab {

// Malformed data: a bad IDX file, invalid JSON, a bad weights file, bad input.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file that cannot be opened, read or written.
class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace cnnlab
