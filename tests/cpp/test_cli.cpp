// The cnnlab command, run as a separate process (native builds only).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>
#include <sys/wait.h>

#include "io/files.h"
#include "io/idx.h"
#include "io/json.h"
#include "io/weights.h"
#include "io_test_util.h"
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
};

// Runs `cnnlab ARGS` (ARGS already shell-quoted where needed).
RunResult run_cli(const std::string& args) {
  static int counter = 0;
  const std::string errPath = ::testing::TempDir() + "cnnlab_cli_stderr_" +
                              std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const std::string command = quoted(kCli) + " " + args + " 2>" + quoted(errPath);
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

TEST_F(Cli, TrainReportsDivergence) {
  TempDir dir;
  const RunResult r = run_cli("train --data " + quoted(kData) + " --train-size 300 --lr 1e30 --out " +
                              quoted(dir.file("w.bin")));
  EXPECT_EQ(r.exitCode, 3);
  expect_one_error_line(r, "training diverged: ");
  EXPECT_NE(r.err.find("Lower the learning rate"), std::string::npos) << r.err;
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
      {"train --epochs 0", 2, "--epochs must be between 1 and 1000, got 0"},
      {"train --epochs 1 --epochs 2", 2, "--epochs given twice"},
      {"train --lr 0", 2, "--lr must be a finite number > 0, got 0"},
      {"train --lr -1", 2, "--lr must be a finite number > 0, got -1"},
      {"train --lr nan", 2, "--lr must be a finite number > 0, got nan"},
      {"train --lr inf", 2, "--lr must be a finite number > 0, got inf"},
      {"train --lr 1e99", 2, "--lr must be a finite number > 0, got 1e99"},
      {"train --lr fast", 2, "--lr must be a number, got 'fast'"},
      {"train --batch 0", 2, "--batch must be between 1 and 60000, got 0"},
      {"train --momentum 1", 2, "--momentum must be a finite number in [0, 1), got 1"},
      {"train --decay 0", 2, "--decay must be a finite number in (0, 1], got 0"},
      {"train --activation swish", 2, "--activation must be relu, tanh or sigmoid, got 'swish'"},
      {"train --pool median", 2, "--pool must be average or max, got 'median'"},
      {"train --maps1 17", 2, "--maps1 must be between 1 and 16, got 17"},
      {"train --hidden 0", 2, "--hidden must be between 1 and 512, got 0"},
      {"train --seed -1", 2, "--seed must be between 0 and 4294967295, got -1"},
      {"train --train-size 70000", 2, "--train-size must be between 1 and 60000, got 70000"},
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
       "value 0 is 2.000000, expected a number in [0, 1]"},
      {"trace" + W + D + " --index 10000", 2, "--index 10000 is out of range: the test set has 10000 images"},
      {"trace" + W + D + " --index 0 --label 10", 2, "--label must be between 0 and 9, got 10"},
      {"trace" + W + D + " --index 0 --lr 0", 2, "--lr must be a finite number > 0"},
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
