// The exception types of cpp/io, and the one helper that makes text from a file or a
// command line safe to put in a message. Every message says exactly what is wrong,
// so the CLI and the web UI can show it as is.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

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

// `text` with every byte that a terminal could act on written as \xNN: the C0
// controls (ESC, BEL, CR, LF, ...), DEL, the C1 controls U+0080–U+009F, and bytes
// that are not valid UTF-8. Other UTF-8 (λ, é, ×) is kept. Applied to every piece of
// file- or user-provided text (JSON keys and strings, magic bytes, paths, arguments)
// before it goes into a message; applying it twice changes nothing.
std::string printable(std::string_view text);

}  // namespace cnnlab
