// Helpers shared by the cpp/io and CLI tests.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <unistd.h>

#include "io/errors.h"

namespace cnnlab::testing {

// Bit patterns (std::bit_cast is missing from Emscripten's libc++ 14).
template <class To, class From>
To bits_as(From from) {
  static_assert(sizeof(To) == sizeof(From));
  To to;
  std::memcpy(&to, &from, sizeof to);
  return to;
}

// Runs `fn`, expects a FormatError whose message contains `expected`, and returns
// the message (empty if none was thrown).
template <class F>
std::string expect_format_error(F&& fn, std::string_view expected) {
  try {
    fn();
  } catch (const FormatError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(expected), std::string::npos)
        << "message: " << message << "\nexpected to contain: " << expected;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "multi-line message: " << message;
    return message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected FormatError containing \"" << expected << "\", got another exception: "
                  << e.what();
    return {};
  }
  ADD_FAILURE() << "expected FormatError containing \"" << expected << "\", nothing was thrown";
  return {};
}

// A fresh empty directory for one test, removed by the destructor.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("cnnlab_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace cnnlab::testing
