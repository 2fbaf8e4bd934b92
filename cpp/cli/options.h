// The cnnlab command's options: ONE table per command (name, metavar, help, the
// limits:: entry or the words it takes, its default), the parser driven by it, and
// the usage text generated from it. Ranges and defaults come from network/config.h's
// limits table, so each is written once.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "network/config.h"

namespace cnnlab::cli {

// Bad command line: exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Presence {
  Optional,
  Required,
  OneOf,  // exactly one of the command's OneOf options
};

struct OptionSpec {
  const char* name;     // "lr" for --lr
  const char* metavar;  // "X"; nullptr for a choice: "relu|tanh|sigmoid"
  const char* help;
  const Limit* limit = nullptr;        // a number in this range (integer or single-precision float)
  std::vector<std::string> choices = {};  // or one of these words
  const char* defaultText = nullptr;   // what "(default …)" says; nullptr: the limit's fallback
  Presence presence = Presence::Optional;
  const char* goesWith = nullptr;      // allowed only together with this option
  const char* neededBy = nullptr;      // required when this option is given
  const Limit* fileBytes = nullptr;    // a file read whole, refused if larger
};

struct CommandSpec {
  const char* name;
  const char* summary;  // for the command list; may hold '\n'
  std::vector<OptionSpec> options;
  const OptionSpec* find(std::string_view option) const;
};

// train, eval, trace.
const std::vector<CommandSpec>& commands();
const CommandSpec* find_command(std::string_view name);

// The full --help text.
std::string usage();
// "1..1000", "1e-06..1e+30", "0..0.999": a limit's range as usage prints it.
std::string range_text(const Limit& limit);

// One command's arguments: "--name value" or "--name=value", each at most once,
// only the command's options; presence rules, numbers, ranges and words are
// checked here. Throws UsageError.
class Options {
 public:
  Options(const CommandSpec& command, const std::vector<std::string>& args);

  bool has(std::string_view name) const;
  // The value given, or the table's default text.
  std::string text(std::string_view name) const;
  // A number option's value (checked against its limit), or the limit's fallback.
  // Real options come back as the float they round to.
  double number(std::string_view name) const;

 private:
  const OptionSpec& spec(std::string_view name) const;
  void check_value(const OptionSpec& spec, const std::string& value);

  const CommandSpec& command_;
  std::map<std::string, std::string, std::less<>> values_;
  std::map<std::string, double, std::less<>> numbers_;
};

}  // namespace cnnlab::cli
