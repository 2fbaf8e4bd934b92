// cpp/io's files and messages: printable(), reads with a size limit, check_writable().
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "io/errors.h"
#include "io/files.h"
#include "io_test_util.h"

namespace cnnlab {
namespace {

using testing::expect_format_error;
using testing::TempDir;

TEST(Printable, EscapesWhatATerminalWouldActOn) {
  EXPECT_EQ(printable("plain ASCII, \"quotes\" and \\backslash"), "plain ASCII, \"quotes\" and \\backslash");
  EXPECT_EQ(printable("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");      // colour
  EXPECT_EQ(printable("\x1b]0;title\x07"), "\\x1b]0;title\\x07");          // window title, BEL
  EXPECT_EQ(printable("a\nb\rc\td"), "a\\x0ab\\x0dc\\x09d");
  EXPECT_EQ(printable(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(printable("del\x7f"), "del\\x7f");
  EXPECT_EQ(printable("\xc2\x9b" "31m"), "\\xc2\\x9b31m");                // C1 CSI, U+009B
  EXPECT_EQ(printable("\xc2\x85"), "\\xc2\\x85");                          // C1 NEL
  // Not UTF-8: lone continuation, truncated sequence, overlong, surrogate, > U+10FFFF.
  EXPECT_EQ(printable("\x9b"), "\\x9b");
  EXPECT_EQ(printable("\xff"), "\\xff");
  EXPECT_EQ(printable("\xe2\x82"), "\\xe2\\x82");
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
  // UTF-8 text stays.
  EXPECT_EQ(printable("λ = 0.01, 28×28, C¹, é, 😀, \xc2\xa0"), "λ = 0.01, 28×28, C¹, é, 😀, \xc2\xa0");
  // Applying it twice changes nothing (the CLI escapes io's messages again).
  const std::string once = printable("\x1b[2J\x07\xff\xc2\x9b");
  EXPECT_EQ(printable(once), once);
}

TEST(FormatBytes, WholeUnitsWithoutADecimal) {
  EXPECT_EQ(format_bytes(0), "0 bytes");
  EXPECT_EQ(format_bytes(1023), "1023 bytes");
  EXPECT_EQ(format_bytes(64 << 10), "64 KB");
  EXPECT_EQ(format_bytes(100 * 1024 + 512), "100.5 KB");
  EXPECT_EQ(format_bytes(4 << 20), "4 MB");
  EXPECT_EQ(format_bytes(20 * 1024 * 1024 + 100000), "20.1 MB");
  EXPECT_EQ(size_over_limit(5 << 20, false, 4 << 20, "weights files"),
            "5 MB (5242880 bytes); weights files are limited to 4 MB");
  EXPECT_EQ(size_over_limit(0, true, 64 << 10, "--input files"), "more than 64 KB; --input files are limited to 64 KB");
}

TEST(ReadFileBytes, LimitIsCheckedBeforeReading) {
  TempDir dir;
  const std::vector<uint8_t> bytes(1000, 'x');
  write_file_bytes(dir.file("1000"), bytes.data(), bytes.size());
  EXPECT_EQ(read_file_bytes(dir.file("1000"), 1000, "test files"), bytes);  // exactly the limit
  EXPECT_EQ(read_file_bytes(dir.file("1000")), bytes);                      // no limit
  expect_format_error([&] { read_file_bytes(dir.file("1000"), 999, "test files"); },
                      dir.file("1000") + ": the file is 1000 bytes (1000 bytes); test files are limited to 999 bytes");
  EXPECT_THROW(read_file_bytes(dir.file("missing"), 10, "test files"), IoError);
}

#ifndef __EMSCRIPTEN__
// A device or a pipe has no size to check: reading stops after limit + 1 bytes.
TEST(ReadFileBytes, EndlessFilesStopAtTheLimit) {
  expect_format_error([] { read_file_bytes("/dev/zero", 4 << 20, "weights files"); },
                      "/dev/zero: the file is more than 4 MB; weights files are limited to 4 MB");
  const std::vector<uint8_t> empty = read_file_bytes("/dev/null", 10, "test files");
  EXPECT_TRUE(empty.empty());
}
#endif

TEST(CheckWritable, FailsWhereWriteFileBytesWould) {
  TempDir dir;
  EXPECT_NO_THROW(check_writable(dir.file("w.bin")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("w.bin")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("w.bin.tmp")));
  const auto message = [](const std::string& path) {
    try {
      check_writable(path);
    } catch (const IoError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(dir.file("no/such/dir/w.bin")),
            "cannot write " + dir.file("no/such/dir/w.bin") + ": No such file or directory");
  EXPECT_EQ(message(dir.file("")), "cannot write " + dir.file("") + ": it is a directory");
  EXPECT_EQ(message(dir.file("\x1b[2J/w.bin")),
            "cannot write " + dir.file("\\x1b[2J/w.bin") + ": No such file or directory");
}

}  // namespace
}  // namespace cnnlab
