// The cnnlab command, run as a separate process (native builds only).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "augment/augment.h"
#include "io/files.h"
#include "io/idx.h"
#include "io/json.h"
#include "io/weights.h"
#include "io_test_util.h"
#include "network/config.h"
#include "network/model.h"
#include "network_views.h"

namespace cnnlab {
namespace {

using testing::TempDir;
using testing::all_views;

const std::string kCli = CNNLAB_CLI_PATH;
const std::string kData = CNNLAB_MNIST_DIR;

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

struct RunResult {
  int exitCode = -1;
  std::string out, err;
  double seconds = 0.0;
};

// Runs `cnnlab ARGS` (ARGS already shell-quoted where needed), after `prefix` (a
// command that runs it, e.g. as another user) if given.
RunResult run_cli(const std::string& args, const std::string& prefix = "") {
  static int counter = 0;
  const std::string errPath = ::testing::TempDir() + "cnnlab_cli_stderr_" +
                              std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const std::string command = prefix + quoted(kCli) + " " + args + " 2>" + quoted(errPath);
  const auto start = std::chrono::steady_clock::now();
  RunResult r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) {
    ADD_FAILURE() << "popen failed: " << command;
    return r;
  }
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
  const int status = ::pclose(pipe);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  const auto err = read_file_bytes(errPath);
  r.err.assign(err.begin(), err.end());
  std::remove(errPath.c_str());
  return r;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(kCli.empty()) << "CNNLAB_CLI_PATH is not set: the CLI tests run in the native build";
  }
};

// Exactly one line on stderr, "cnnlab: error: ...".
void expect_one_error_line(const RunResult& r, const std::string& contains) {
  EXPECT_EQ(r.err.rfind("cnnlab: error: ", 0), 0u) << "stderr: " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr: " << r.err;
  EXPECT_NE(r.err.find(contains), std::string::npos) << "stderr: " << r.err << "\nexpected: " << contains;
}

TEST_F(Cli, HelpPrintsUsage) {
  for (const char* args : {"--help", "-h", "train --help", "help"}) {
    const RunResult r = run_cli(args);
    EXPECT_EQ(r.exitCode, 0) << args;
    EXPECT_NE(r.out.find("usage: cnnlab"), std::string::npos) << args;
    EXPECT_NE(r.out.find("cnnlab trace --weights FILE"), std::string::npos) << args;
    EXPECT_TRUE(r.err.empty()) << r.err;
  }
}

// "1..1000", "1e-06..1e+30": a range as the usage prints it, from the limits table.
std::string range_of(const Limit& limit) {
  auto value = [&](double v) {
    if (!limit.integer) return format_number(v);
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0f", v);
    return std::string(buffer);
  };
  return value(limit.min) + ".." + value(limit.max) + ", default " + value(limit.fallback);
}

// The line of `usage` that describes `option` (with its continuation lines).
std::string usage_entry(const std::string& usage, const std::string& command, const std::string& option) {
  const size_t section = usage.find("\ncnnlab " + command + " ");
  if (section == std::string::npos) return {};
  const size_t at = usage.find("\n  " + option + " ", section);
  if (at == std::string::npos) return {};
  size_t end = at + 1;
  do end = usage.find('\n', end + 1);
  while (end != std::string::npos && usage.compare(end + 1, 4, "    ") == 0);
  std::string entry = usage.substr(at + 1, end - at - 1);
  // Wrapped lines joined again.
  for (size_t p; (p = entry.find("\n")) != std::string::npos;) {
    size_t q = p + 1;
    while (q < entry.size() && entry[q] == ' ') ++q;
    entry.replace(p, q - p, " ");
  }
  return entry;
}

TEST_F(Cli, UsageTakesRangesAndDefaultsFromTheLimitsTable) {
  const std::string usage = run_cli("--help").out;
  const struct {
    const char* command;
    const char* option;
    const Limit& limit;
  } options[] = {
      {"train", "--epochs N", limits::epochs},       {"train", "--lr X", limits::learningRate},
      {"train", "--batch B", limits::batchSize},     {"train", "--momentum M", limits::momentum},
      {"train", "--decay D", limits::lrDecay},       {"train", "--maps1 N", limits::maps1},
      {"train", "--maps2 N", limits::maps2},         {"train", "--hidden N", limits::hidden},
      {"train", "--seed S", limits::seed},           {"train", "--train-size N", limits::trainSize},
      {"trace", "--lr X", limits::teachLearningRate},
  };
  for (const auto& o : options) {
    const std::string entry = usage_entry(usage, o.command, o.option);
    EXPECT_NE(entry.find("(" + range_of(o.limit) + ")"), std::string::npos)
        << o.command << " " << o.option << ": " << entry << "\nexpected: " << range_of(o.limit);
  }
  const std::string weightsCap = "at most " + format_bytes(uint64_t(limits::weightsFileBytes.max));
  EXPECT_NE(usage_entry(usage, "eval", "--weights FILE").find(weightsCap), std::string::npos) << usage;
  EXPECT_NE(usage_entry(usage, "trace", "--weights FILE").find(weightsCap), std::string::npos) << usage;
  EXPECT_NE(usage_entry(usage, "trace", "--input FILE")
                .find("at most " + format_bytes(uint64_t(limits::inputFileBytes.max))),
            std::string::npos)
      << usage;
  EXPECT_NE(usage.find("cnnlab trace --weights FILE (--input FILE | [--data DIR] --index N)"), std::string::npos)
      << usage;
  EXPECT_NE(usage.find("[--activation relu|tanh|sigmoid] [--pool average|max]"), std::string::npos) << usage;
  EXPECT_NE(usage.find("[--schedule constant|cosine] [--augment SPEC]"), std::string::npos) << usage;
  // --augment's syntax: every key with its range from the limits table, the presets.
  const std::string augment = usage_entry(usage, "train", "--augment SPEC");
  for (const AugmentField& f : kAugmentFields)
    EXPECT_NE(augment.find(format_number(f.min) + ".." + format_number(f.max)), std::string::npos)
        << f.name << ": " << augment;
  for (const char* key : {"rot=DEG", "scale=F", "shift=PX", "shear=K", "elastic=A[:S]", "stroke=T", "p=P"})
    EXPECT_NE(augment.find(key), std::string::npos) << key << ": " << augment;
  EXPECT_NE(augment.find("mild = " + to_string(AugmentOptions::mild())), std::string::npos) << augment;
  EXPECT_NE(augment.find("strong = " + to_string(AugmentOptions::strong())), std::string::npos) << augment;
  EXPECT_NE(augment.find("(default off)"), std::string::npos) << augment;
  std::string words;  // the usage with line breaks and indentation as single spaces
  for (char c : usage)
    if (!((c == ' ' || c == '\n') && !words.empty() && words.back() == ' ')) words += c == '\n' ? ' ' : c;
  EXPECT_NE(words.find("--schedule constant|cosine λ within the run: constant, or cosine:"), std::string::npos)
      << usage;
  EXPECT_NE(words.find("(constant or cosine; default constant)"), std::string::npos) << usage;
  EXPECT_NE(usage.find("exit codes: 0 ok, 1 bad file or data, 2 bad usage, 3 training diverged"),
            std::string::npos);
  EXPECT_EQ(usage.substr(0, usage.find('\n')), "usage: cnnlab <command> [options]");
  // Every line fits in 80 columns (counting characters, not bytes).
  size_t column = 0;
  for (char c : usage) {
    if (c == '\n') {
      column = 0;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      EXPECT_LE(++column, 80u) << usage;
    }
  }
}

TEST_F(Cli, TrainWritesWeightsThatEvalLoads) {
  TempDir dir;
  const std::string out = dir.file("w.json");
  const RunResult train =
      run_cli("train --data " + quoted(kData) + " --train-size 2000 --out " + quoted(out));
  ASSERT_EQ(train.exitCode, 0) << train.err;
  EXPECT_TRUE(train.err.empty()) << train.err;
  EXPECT_NE(train.out.find("epoch 1/1"), std::string::npos) << train.out;
  EXPECT_NE(train.out.find("test accuracy"), std::string::npos) << train.out;
  EXPECT_NE(train.out.find("samples/s"), std::string::npos) << train.out;
  const LoadedWeights w = load_weights_file(out);
  EXPECT_EQ(w.config, Config{});

  const RunResult eval = run_cli("eval --weights " + quoted(out) + " --data " + quoted(kData));
  ASSERT_EQ(eval.exitCode, 0) << eval.err;
  const size_t at = eval.out.find("accuracy: ");
  ASSERT_NE(at, std::string::npos) << eval.out;
  const double accuracy = std::stod(eval.out.substr(at + 10));
  EXPECT_GT(accuracy, 60.0) << "2000 samples of SGD should get well past chance";
  EXPECT_NE(eval.out.find("of 10000"), std::string::npos) << eval.out;
  EXPECT_NE(eval.out.find("confusion matrix (rows: true label, columns: predicted label)"),
            std::string::npos);
  // The accuracy printed by train's last epoch is the one eval computes.
  char expected[64];
  std::snprintf(expected, sizeof expected, "test accuracy %.2f%%", accuracy);
  EXPECT_NE(train.out.find(expected), std::string::npos) << train.out << "\n" << eval.out;
}

TEST_F(Cli, TrainOptionsReachTheModelAndRunsAreReproducible) {
  TempDir dir;
  const std::string args = "train --data " + quoted(kData) +
                           " --epochs 2 --lr 0.05 --batch 10 --momentum 0.9 --decay 0.5 "
                           "--activation tanh --pool max --maps1 3 --maps2 5 --hidden 20 "
                           "--seed 9 --train-size 500 --out ";
  const RunResult a = run_cli(args + quoted(dir.file("a.bin")));
  ASSERT_EQ(a.exitCode, 0) << a.err;
  EXPECT_NE(a.out.find("epoch 2/2  lr 0.025"), std::string::npos) << a.out;
  const RunResult b = run_cli(args + quoted(dir.file("b.bin")));
  ASSERT_EQ(b.exitCode, 0) << b.err;
  const auto bytesA = read_file_bytes(dir.file("a.bin"));
  EXPECT_EQ(bytesA, read_file_bytes(dir.file("b.bin")));
  const LoadedWeights w = weights_from_binary(bytesA.data(), bytesA.size());
  EXPECT_EQ(w.config, (Config{Activation::Tanh, Pooling::Max, 3, 5, 20}));
}

// --augment and --schedule reach the model: the header and epoch lines say so (λ of
// the epoch's first and last steps under the cosine schedule), the same arguments give
// the same bytes, and augmentation changes the result.
TEST_F(Cli, AugmentationAndScheduleReachTheModelAndRunsAreReproducible) {
  TempDir dir;
  const std::string args = "train --data " + quoted(kData) +
                           " --epochs 2 --lr 0.02 --batch 4 --momentum 0.5 --schedule cosine "
                           "--augment mild,elastic=10:3,p=0.8 --seed 3 --train-size 600 --out ";
  const RunResult a = run_cli(args + quoted(dir.file("a.bin")));
  ASSERT_EQ(a.exitCode, 0) << a.err;
  EXPECT_NE(a.out.find("lr 0.02 (cosine), batch 4, momentum 0.5, decay 1, augment "
                       "rot=8,scale=0.08,shift=2,shear=0.15,elastic=10:3,stroke=0.7,p=0.8, seed 3, 2 epochs"),
            std::string::npos)
      << a.out;
  // T = 1,200 samples in steps of 4 starting at t = 0, 4, …, 1196: the first epoch
  // ends with 0.02·½(1 + cos(π·596/1200)) = 0.0101, the second starts at t = 600 (0.01)
  // and ends at t = 1196 with 0.02·½(1 + cos(π·1196/1200)) = 5.483e-07.
  EXPECT_NE(a.out.find("epoch 1/2  lr 0.02→0.0101  "), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("epoch 2/2  lr 0.01→5.483e-07  "), std::string::npos) << a.out;
  const RunResult b = run_cli(args + quoted(dir.file("b.bin")));
  ASSERT_EQ(b.exitCode, 0) << b.err;
  const auto bytesA = read_file_bytes(dir.file("a.bin"));
  EXPECT_EQ(bytesA, read_file_bytes(dir.file("b.bin")));
  const std::string plain = "train --data " + quoted(kData) +
                            " --epochs 2 --lr 0.02 --batch 4 --momentum 0.5 --schedule cosine --seed 3 "
                            "--train-size 600 --out ";
  const RunResult c = run_cli(plain + quoted(dir.file("c.bin")));
  ASSERT_EQ(c.exitCode, 0) << c.err;
  EXPECT_NE(c.out.find("augment off, seed 3"), std::string::npos) << c.out;
  EXPECT_NE(bytesA, read_file_bytes(dir.file("c.bin")));
}

// The core's divergence rule stops these runs: exit 3, the core's message, no file.
TEST_F(Cli, TrainReportsDivergenceAndSavesNothing) {
  TempDir dir;
  for (const char* args : {"--train-size 300 --lr 1e30", "--lr 10 --train-size 10000", "--lr 1e9"}) {
    SCOPED_TRACE(args);
    const std::string out = dir.file("w.bin");
    const RunResult r = run_cli("train --data " + quoted(kData) + " " + args + " --out " + quoted(out));
    EXPECT_EQ(r.exitCode, 3);
    expect_one_error_line(r, "cnnlab: error: Training diverged after ");
    EXPECT_NE(r.err.find("Lower the learning rate"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("Nothing was saved."), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("epoch 1/1"), std::string::npos) << r.out;
    EXPECT_FALSE(std::filesystem::exists(out));
    EXPECT_FALSE(std::filesystem::exists(out + ".tmp"));
  }
}

// λ = 0.5 with relu does not diverge, but every ReLU dies: a warning, then the file.
TEST_F(Cli, TrainWarnsWhenTheNetworkIsNotLearning) {
  TempDir dir;
  const RunResult r = run_cli("train --data " + quoted(kData) + " --lr 0.5 --train-size 2000 --out " +
                              quoted(dir.file("w.bin")));
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err.rfind("cnnlab: warning: test accuracy ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("is at chance: the network is not learning. It gives the same output for every "
                       "image (dead ReLUs"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("λ = 0.5 is probably too large"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir.file("w.bin")));
  // A run that learns says nothing.
  const RunResult ok = run_cli("train --data " + quoted(kData) + " --train-size 2000 --out " +
                               quoted(dir.file("ok.bin")));
  EXPECT_EQ(ok.exitCode, 0) << ok.err;
  EXPECT_TRUE(ok.err.empty()) << ok.err;
}

// --out is checked before the data is loaded: a bad path fails at once, with no epoch.
TEST_F(Cli, TrainChecksTheOutputFileFirst) {
  TempDir dir;
  const struct {
    std::string out, message;
  } cases[] = {
      {"/no/such/dir/w.bin", "cannot write /no/such/dir/w.bin: No such file or directory (checked before "
                             "training; nothing was trained)"},
      {dir.file(""), "it is a directory"},
      {"/etc/passwd/w.bin", "cannot write /etc/passwd/w.bin: Not a directory"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.out);
    const RunResult r = run_cli("train --data " + quoted(kData) + " --out " + quoted(c.out));
    EXPECT_EQ(r.exitCode, 1);
    expect_one_error_line(r, c.message);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_LT(r.seconds, 1.0);
  }
}

TEST_F(Cli, TrainChecksThatTheOutputDirectoryIsWritable) {
  TempDir dir;
  const std::string readOnly = dir.file("read-only");
  std::filesystem::create_directory(readOnly);
  ::chmod(dir.file("").c_str(), 0755);
  ::chmod(readOnly.c_str(), 0555);
  // root may write anywhere: then run the CLI as nobody (setpriv, util-linux).
  std::string prefix;
  if (::geteuid() == 0) {
    ASSERT_EQ(::access("/usr/bin/setpriv", X_OK), 0) << "running as root: the test needs setpriv (Debian package util-linux) to run the CLI as nobody";
    prefix = "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups ";
  }
  const std::string out = readOnly + "/w.bin";
  const RunResult r = run_cli("train --data " + quoted(kData) + " --out " + quoted(out), prefix);
  EXPECT_EQ(r.exitCode, 1);
  expect_one_error_line(r, "cannot write " + out + ": Permission denied (checked before training");
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_LT(r.seconds, 1.0);
  ::chmod(readOnly.c_str(), 0755);
}

// Weights files over the limit, /dev/zero and pipes are refused before being read whole.
TEST_F(Cli, WeightsAndInputFilesOverTheLimitAreRefused) {
  TempDir dir;
  const std::string limit = format_bytes(uint64_t(limits::weightsFileBytes.max));
  const std::string big(5 << 20, ' ');  // 5 MB of JSON whitespace
  write_file_bytes(dir.file("big.json"), reinterpret_cast<const uint8_t*>(big.data()), big.size());
  const struct {
    std::string args, message;
  } cases[] = {
      {"eval --weights /dev/zero", "/dev/zero: the file is more than " + limit + "; weights files are limited to " + limit},
      {"eval --weights " + quoted(dir.file("big.json")),
       "big.json: the file is 5 MB (5242880 bytes); weights files are limited to " + limit},
      {"trace --index 0 --weights /dev/zero", "weights files are limited to " + limit},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const RunResult r = run_cli(c.args + " --data " + quoted(kData));
    EXPECT_EQ(r.exitCode, 1);
    expect_one_error_line(r, c.message);
    EXPECT_LT(r.seconds, 1.0);
  }

  Network net(Config{}, 1);
  save_weights_file(dir.file("w.bin"), Config{}, net.params());
  std::string input = "[0";
  for (int i = 1; i < 784; ++i) input += ",0";
  input += "]" + std::string(100 * 1024 - input.size() - 1, ' ');  // 100 KB
  write_file_bytes(dir.file("in.json"), reinterpret_cast<const uint8_t*>(input.data()), input.size());
  const RunResult r = run_cli("trace --weights " + quoted(dir.file("w.bin")) + " --input " +
                              quoted(dir.file("in.json")) + " --label 1");
  EXPECT_EQ(r.exitCode, 1);
  expect_one_error_line(r, "in.json: the file is 100 KB (102400 bytes); --input files are limited to " +
                               format_bytes(uint64_t(limits::inputFileBytes.max)));
}

// Text from a file or the command line never reaches the terminal raw.
TEST_F(Cli, ControlCharactersAreNeverEchoed) {
  TempDir dir;
  const std::string esc = "\x1b[31mred\x1b[0m";  // a terminal colour code
  const std::string keyed = R"({"config":{"activation":"relu","pooling":"average","maps1":4,"maps2":6,"hidden":50},)"
                            R"("\u001b[31mred\u001b[0m":1})";
  write_file_bytes(dir.file("key.json"), reinterpret_cast<const uint8_t*>(keyed.data()), keyed.size());
  const std::string title = "\x1b]0;pwned\x07";  // sets the terminal's title
  const std::string binary = "CNNLAB" + title;
  write_file_bytes(dir.file("magic.bin"), reinterpret_cast<const uint8_t*>(binary.data()), binary.size());
  const struct {
    std::string args, message;
  } cases[] = {
      {"eval --weights " + quoted(dir.file("key.json")), "unknown key \"\\x1b[31mred\\x1b[0m\" (expected"},
      {"eval --weights " + quoted(dir.file("magic.bin")), "bad magic \"CNNLAB\\x1b]\""},
      {"eval --weights " + quoted(dir.file(esc)), "cannot open " + dir.file("\\x1b[31mred\\x1b[0m")},
      {"train --" + quoted(esc) + " 1", "unknown option --\\x1b[31mred\\x1b[0m for 'train'"},
      {quoted(title), "unknown command '\\x1b]0;pwned\\x07'"},
      {"train --lr " + quoted(esc), "--lr must be a number, got '\\x1b[31mred\\x1b[0m'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const RunResult r = run_cli(c.args + " --data " + quoted(kData));
    EXPECT_NE(r.exitCode, 0);
    expect_one_error_line(r, c.message);
    for (char ch : r.err) EXPECT_TRUE(ch == '\n' || static_cast<unsigned char>(ch) >= 0x20) << r.err;
  }
}

// Checks one {"shape","data"} tensor of the trace against a view of the network.
void expect_tensor(const Json& t, const TensorView& v, const char* where) {
  SCOPED_TRACE(std::string(where) + " " + v.name);
  std::vector<int> shape;
  for (const Json& d : t.find("shape")->as_array()) shape.push_back(int(d.as_number()));
  EXPECT_EQ(shape, v.shape);
  const Json::Array& data = t.find("data")->as_array();
  ASSERT_EQ(data.size(), v.size);
  for (size_t i = 0; i < v.size; ++i) ASSERT_EQ(data[i].as_float(), v.data[i]) << "index " << i;
}

// Runs trace and checks its JSON against the same computation done here.
void check_trace(const std::string& weightsPath, const std::string& inputArgs,
                 const std::vector<float>& image, int label, float lr) {
  const RunResult r = run_cli("trace --weights " + quoted(weightsPath) + " " + inputArgs);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "one JSON object on one line";
  const Json doc = parse_json(r.out);

  const LoadedWeights w = load_weights_file(weightsPath);
  Model model(w.config, 1);
  model.set_params(w.params.data(), w.params.size());
  const float loss = model.trace(image.data(), label);
  Network& net = model.network();

  EXPECT_EQ(doc.find("label")->as_number(), label);
  EXPECT_EQ(doc.find("loss")->as_float(), loss);
  EXPECT_EQ(doc.find("predicted")->as_number(), net.predicted_class());
  const Json& forward = *doc.find("forward");
  const std::vector<std::string> names = {"conv1_pre", "conv1", "pool1", "conv2_pre", "conv2", "pool2",
                                          "flatten", "fc1_pre", "fc1", "logits", "probs"};
  EXPECT_EQ(forward.as_object().size(), names.size());
  for (const TensorView& v : all_views(net))
    if (std::find(names.begin(), names.end(), v.name) != names.end()) {
      ASSERT_NE(forward.find(v.name), nullptr) << v.name;
      expect_tensor(*forward.find(v.name), v, "forward");
    }
  const Json& grads = *doc.find("grads");
  const Json& after = *doc.find("params_after_step");
  const std::vector<TensorView> gradViews = net.gradient_views(), paramViews = net.parameter_views();
  ASSERT_EQ(grads.as_object().size(), 8u);
  ASSERT_EQ(after.as_object().size(), 8u);
  for (size_t k = 0; k < gradViews.size(); ++k) {
    const std::string& name = paramViews[k].name;
    ASSERT_NE(grads.find(name), nullptr) << name;
    ASSERT_NE(after.find(name), nullptr) << name;
    expect_tensor(*grads.find(name), gradViews[k], "grads");
    // params_after_step = params − λ·grads
    const Json::Array& stepped = after.find(name)->find("data")->as_array();
    ASSERT_EQ(stepped.size(), paramViews[k].size);
    for (size_t i = 0; i < stepped.size(); ++i)
      ASSERT_NEAR(stepped[i].as_float(), paramViews[k].data[i] - lr * gradViews[k].data[i], 1e-6)
          << name << "[" << i << "]";
  }
}

TEST_F(Cli, TraceOfATestImage) {
  TempDir dir;
  const Config config{Activation::Sigmoid, Pooling::Average, 4, 6, 50};
  Network net(config, 7);
  save_weights_file(dir.file("w.json"), config, net.params());
  const MnistSet test = load_mnist(kData, "t10k");
  const int index = 3;
  std::vector<float> image(784);
  for (int i = 0; i < 784; ++i) image[i] = float(test.images[index * 784 + i]) / 255.0f;
  check_trace(dir.file("w.json"), "--data " + quoted(kData) + " --index 3", image, test.labels[index], 0.1f);
}

TEST_F(Cli, TraceOfAnInputFile) {
  TempDir dir;
  Network net(Config{}, 8);
  save_weights_file(dir.file("w.bin"), Config{}, net.params());
  std::vector<float> image(784);
  Json array = Json::array();
  for (int i = 0; i < 784; ++i) {
    const int row = i / 28, col = i % 28;
    image[i] = (row > 4 && row < 24 && col > 12 && col < 16) ? 0.9f : 0.0f;  // a "1"
    array.push_back(image[i]);
  }
  const std::string text = write_json(array);
  write_file_bytes(dir.file("one.json"), reinterpret_cast<const uint8_t*>(text.data()), text.size());
  check_trace(dir.file("w.bin"), "--input " + quoted(dir.file("one.json")) + " --label 1 --lr 0.05",
              image, 1, 0.05f);
}

TEST_F(Cli, BadInvocationsFailWithOneLine) {
  TempDir dir;
  Network net(Config{}, 1);
  const std::string weights = dir.file("w.bin");
  save_weights_file(weights, Config{}, net.params());
  auto bin = read_file_bytes(weights);
  bin[200] ^= 0x10;
  write_file_bytes(dir.file("corrupt.bin"), bin.data(), bin.size());
  std::string input783 = "[0";
  for (int i = 1; i < 783; ++i) input783 += ",0";
  input783 += "]";
  write_file_bytes(dir.file("783.json"), reinterpret_cast<const uint8_t*>(input783.data()), input783.size());
  std::string input2 = "[2";
  for (int i = 1; i < 784; ++i) input2 += ",0";
  input2 += "]";
  write_file_bytes(dir.file("range.json"), reinterpret_cast<const uint8_t*>(input2.data()), input2.size());
  const std::string W = " --weights " + quoted(weights);
  const std::string D = " --data " + quoted(kData);

  struct Case {
    std::string args;
    int exitCode;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", 2, "missing command"},
      {"frobnicate", 2, "unknown command 'frobnicate'"},
      {"train --bogus 1", 2, "unknown option --bogus for 'train'"},
      {"train stray", 2, "unexpected argument 'stray'"},
      {"train --epochs", 2, "missing value for --epochs"},
      {"train --epochs --lr 0.1", 2, "missing value for --epochs"},
      {"train --epochs abc", 2, "--epochs must be an integer, got 'abc'"},
      {"train --epochs 2.5", 2, "--epochs must be an integer, got '2.5'"},
      {"train --epochs 0", 2, out_of_range(limits::epochs, "--epochs", "0")},
      {"train --epochs 1 --epochs 2", 2, "--epochs given twice"},
      {"train --lr 0", 2, out_of_range(limits::learningRate, "--lr", "0")},
      {"train --lr -1", 2, out_of_range(limits::learningRate, "--lr", "-1")},
      {"train --lr nan", 2, out_of_range(limits::learningRate, "--lr", "nan")},
      {"train --lr inf", 2, out_of_range(limits::learningRate, "--lr", "inf")},
      {"train --lr 1e99", 2, out_of_range(limits::learningRate, "--lr", "1e+99")},
      {"train --lr 1e999", 2, out_of_range(limits::learningRate, "--lr", "1e999")},
      {"train --lr 1e-50", 2,
       out_of_range(limits::learningRate, "--lr", "1e-50") + " (1e-50 is below the minimum " +
           format_number(limits::learningRate.min) + ", and in single precision it rounds to 0)"},
      {"train --lr 1e-7", 2, out_of_range(limits::learningRate, "--lr", "1e-07")},
      {"train --lr 1e31", 2, out_of_range(limits::learningRate, "--lr", "1e+31")},
      {"train --lr fast", 2, "--lr must be a number, got 'fast'"},
      {"train --batch 0", 2, out_of_range(limits::batchSize, "--batch", "0")},
      {"train --batch 1025", 2, out_of_range(limits::batchSize, "--batch", "1025")},
      {"train --momentum 1", 2, out_of_range(limits::momentum, "--momentum", "1")},
      {"train --decay 0", 2, out_of_range(limits::lrDecay, "--decay", "0")},
      {"train --activation swish", 2, "--activation must be relu, tanh or sigmoid, got 'swish'"},
      {"train --pool median", 2, "--pool must be average or max, got 'median'"},
      {"train --schedule linear", 2, "--schedule must be constant or cosine, got 'linear'"},
      {"train --augment rott=3", 2, "--augment: unknown key 'rott' in 'rott=3' (keys: rot, scale, shift, shear, "
                                    "elastic, stroke, p)"},
      {"train --augment rot=90", 2, "--augment: rot must be between 0 and 45 degrees, got '90'"},
      {"train --augment mild,mild", 2, "--augment: the preset 'mild' must come first"},
      {"train --augment=", 2, "empty value for --augment"},
      {"train --maps1 17", 2, out_of_range(limits::maps1, "--maps1", "17")},
      {"train --hidden 0", 2, out_of_range(limits::hidden, "--hidden", "0")},
      {"train --seed -1", 2, out_of_range(limits::seed, "--seed", "-1")},
      {"train --seed 99999999999999999999", 2, out_of_range(limits::seed, "--seed", "99999999999999999999")},
      {"train --train-size 70000", 2, out_of_range(limits::trainSize, "--train-size", "70000")},
      {"train --train-size 99", 2, out_of_range(limits::trainSize, "--train-size", "99")},
      {"train --out=", 2, "empty value for --out"},
      {"train --data " + quoted(dir.file("nowhere")), 1, "cannot open"},
      {"eval", 2, "eval needs --weights FILE"},
      {"eval --weights " + quoted(dir.file("missing.bin")) + D, 1, "cannot open"},
      {"eval --weights " + quoted(dir.file("corrupt.bin")) + D, 1, "checksum mismatch"},
      {"eval --weights " + quoted(dir.file("783.json")) + D, 1, "weights JSON must be an object"},
      {"trace" + W, 2, "trace needs exactly one of --input FILE and --index N"},
      {"trace" + W + " --index 0 --input x.json --label 1", 2, "exactly one of --input"},
      {"trace" + W + " --input " + quoted(dir.file("783.json")), 2, "--input needs --label L"},
      {"trace" + W + " --input " + quoted(dir.file("783.json")) + " --label 3", 1,
       "expected an array of 784 numbers (28×28), got 783"},
      {"trace" + W + " --input " + quoted(dir.file("range.json")) + " --label 3", 1,
       "value 0 (row 0, column 0; counting from 0) is 2, expected a number in [0, 1]"},
      {"trace" + W + D + " --index 10000", 2, "--index must be a whole number between 0 and 9999, got 10000"},
      {"trace" + W + D + " --index 0 --label 10", 2, "--label must be a whole number between 0 and 9, got 10"},
      {"trace" + W + D + " --index 0 --lr 0", 2, out_of_range(limits::teachLearningRate, "--lr", "0")},
      {"trace" + W + " --input x.json --data x --label 1", 2, "--data goes with --index, not with --input"},
      {"eval" + W + " --weights x", 2, "--weights given twice"},
      {"trace --index 0", 2, "trace needs --weights FILE"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("cnnlab " + c.args);
    const RunResult r = run_cli(c.args);
    EXPECT_EQ(r.exitCode, c.exitCode);
    expect_one_error_line(r, c.message);
    EXPECT_TRUE(r.out.empty()) << "stdout: " << r.out;
  }
}

}  // namespace
}  // namespace cnnlab
