// The cnnlab command: train the handout's network on MNIST, evaluate saved weights,
// and trace one sample (every tensor, the gradients and one SGD step) as JSON.
//
// Exit codes: 0 ok, 1 bad file or data, 2 bad usage, 3 training diverged.
// Every error is ONE line on stderr: "cnnlab: error: ...", with control characters
// escaped (printable()) as a last line of defence. The options, their ranges and
// the usage text: cli/options.{h,cpp}.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cli/options.h"
#include "io/errors.h"
#include "io/files.h"
#include "io/idx.h"
#include "io/json.h"
#include "io/weights.h"
#include "network/model.h"

namespace cnnlab {
namespace {

using cli::Options;
using cli::UsageError;

Options options_for(const char* command, const std::vector<std::string>& args) {
  return Options(*cli::find_command(command), args);
}

// A test accuracy below this after an epoch means the network is not learning
// (a random guess gets 10%).
constexpr double kChanceAccuracy = 0.20;

void print_error(const std::string& message) {
  std::fprintf(stderr, "cnnlab: error: %s\n", printable(message).c_str());
}
void print_warning(const std::string& message) {
  std::fprintf(stderr, "cnnlab: warning: %s\n", printable(message).c_str());
}

std::string describe(const Config& c) {
  return std::string(to_string(c.activation)) + ", " + to_string(c.pooling) + " pooling, maps " +
         std::to_string(c.maps1) + "/" + std::to_string(c.maps2) + ", hidden " +
         std::to_string(c.hidden) + " (" + std::to_string(ParamLayout(c).total) + " parameters)";
}

// ---------------------------------------------------------------- train

// What to say when the test accuracy after an epoch is at chance. If every test
// image gets (nearly) the same S, the input no longer reaches the output: λ was so
// large that the units died (ReLU outputs 0) or saturated (tanh, sigmoid). Otherwise
// the network may just have seen too few samples. (Measured: λ = 0.2 and 0.5 give
// identical S for all 10,000 images; 100 to 1,000 samples at λ = 0.01 differ by
// more than 1e-3.)
std::string chance_warning(double accuracy, const std::vector<float>& probs, Activation f, float lr,
                           uint64_t samplesSeen) {
  constexpr float kSameOutput = 1e-4f;
  float spread = 0.0f;
  for (size_t i = kClasses; i < probs.size(); ++i)
    spread = std::max(spread, std::fabs(probs[i] - probs[i % kClasses]));
  char percent[32];
  std::snprintf(percent, sizeof percent, "%.2f%%", 100.0 * accuracy);
  const std::string head = "test accuracy " + std::string(percent) + " is at chance: the network is not learning";
  if (spread < kSameOutput)
    return head + ". It gives the same output for every image (" +
           (f == Activation::ReLU ? "dead ReLUs: their inputs are ≤ 0 for every image, so they output 0"
                                  : "saturated units: their inputs are so large that f is flat") +
           "): λ = " + format_number(lr) + " is probably too large. Try a smaller --lr.";
  return head + " yet after " + format_count(samplesSeen) +
         " samples. Train on more images or for more epochs; if that does not help, λ = " + format_number(lr) +
         " may be too large.";
}

int run_train(const std::vector<std::string>& args) {
  const Options o = options_for("train", args);
  const std::string dataDir = o.text("data");
  const std::string out = o.text("out");
  const uint32_t seed = uint32_t(o.number("seed"));

  TrainOptions options;
  options.learningRate = float(o.number("lr"));
  options.batchSize = int(o.number("batch"));
  options.momentum = float(o.number("momentum"));
  options.lrDecay = float(o.number("decay"));
  options.epochs = int(o.number("epochs"));
  options.lrSchedule = *parse_lr_schedule(o.text("schedule"));  // the table allows only valid words
  if (std::string e = parse_augment(options.augment, o.text("augment")); !e.empty())
    throw UsageError("--augment: " + e);
  if (std::string e = validate(options); !e.empty()) throw UsageError(e);

  Config config;
  config.activation = *parse_activation(o.text("activation"));  // the table allows only valid words
  config.pooling = *parse_pooling(o.text("pool"));
  config.maps1 = int(o.number("maps1"));
  config.maps2 = int(o.number("maps2"));
  config.hidden = int(o.number("hidden"));
  if (std::string e = validate(config); !e.empty()) throw UsageError(e);

  // Before anything is loaded or trained: a run must not end in "cannot write".
  try {
    check_writable(out);
  } catch (const IoError& e) {
    throw IoError(std::string(e.what()) + " (checked before training; nothing was trained)");
  }

  const MnistSet train = load_mnist(dataDir, "train");
  const MnistSet test = load_mnist(dataDir, "t10k");
  size_t trainSize = std::min(size_t(limits::trainSize.fallback), train.count);
  if (o.has("train-size")) {
    trainSize = size_t(o.number("train-size"));
    if (trainSize > train.count)
      throw UsageError("--train-size " + std::to_string(trainSize) + " is larger than the training set (" +
                       std::to_string(train.count) + " images)");
  }

  Model model(config, seed, options);
  model.set_training_data(train.images.data(), train.labels.data(), trainSize);
  const int epochs = options.epochs;
  std::printf("training on %zu of %zu images, testing on %zu: %s\n", trainSize, train.count,
              test.count, describe(config).c_str());
  std::printf("lr %g (%s), batch %d, momentum %g, decay %g, augment %s, seed %u, %d epoch%s\n",
              double(options.learningRate), to_string(options.lrSchedule), options.batchSize,
              double(options.momentum), double(options.lrDecay), to_string(options.augment).c_str(),
              unsigned(seed), epochs, epochs == 1 ? "" : "s");
  std::fflush(stdout);

  std::vector<float> probs(test.count * kClasses);  // S of every test image
  bool warned = false;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    const float lr = model.current_learning_rate();  // of the epoch's first step
    const auto start = std::chrono::steady_clock::now();
    // One epoch, all but its last sample, then that one: so that λ of the epoch's
    // last step can be read (the core stops after the last epoch: Done).
    ChunkResult r = model.train(trainSize - 1);
    const float lastLr = model.current_learning_rate();
    if (r.status == TrainStatus::Ok) {
      const ChunkResult last = model.train(1);
      r.samples += last.samples;
      r.lossSum += last.lossSum;
      r.correct += last.correct;
      r.status = last.status;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r.status == TrainStatus::Diverged) {
      print_error(model.status_message() + " Nothing was saved.");
      return 3;
    }
    // "lr 0.01", or with a schedule λ of the epoch's first and last steps: "lr 0.02→0.0199".
    char lrText[64];
    if (lastLr == lr) std::snprintf(lrText, sizeof lrText, "%g", double(lr));
    else std::snprintf(lrText, sizeof lrText, "%.4g→%.4g", double(lr), double(lastLr));
    const EvalResult e = model.evaluate(test.images.data(), test.labels.data(), test.count, nullptr, probs.data());
    std::printf("epoch %d/%d  lr %s  loss %.4f  train accuracy %.2f%%  test accuracy %.2f%%  "
                "test loss %.4f  %.0f samples/s\n",
                epoch, epochs, lrText, r.lossSum / std::max(r.samples, 1),
                100.0 * r.correct / std::max(r.samples, 1), 100.0 * e.accuracy, e.meanLoss,
                seconds > 0 ? r.samples / seconds : 0.0);
    std::fflush(stdout);
    if (e.accuracy < kChanceAccuracy && !warned) {
      print_warning(chance_warning(e.accuracy, probs, config.activation, lr, model.run().samplesSeen));
      warned = true;
    }
  }
  if (model.status() != TrainStatus::Done)
    throw std::logic_error("training stopped before the last epoch (status " +
                           std::string(to_string(model.status())) + ")");

  save_weights_file(out, config, model.network().params());
  std::printf("saved %s weights to %s\n", is_json_path(out) ? "JSON" : "binary", printable(out).c_str());
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
  const Options o = options_for("eval", args);
  const std::string weightsPath = o.text("weights");
  const std::string dataDir = o.text("data");
  Model model = load_model(weightsPath);
  const MnistSet test = load_mnist(dataDir, "t10k");
  const EvalResult e = model.evaluate(test.images.data(), test.labels.data(), test.count);

  std::printf("weights %s: %s\n", printable(weightsPath).c_str(), describe(model.config()).c_str());
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

// 784 pixel values in [0, 1] from a JSON file holding one array (refused before it
// is read whole if larger than limits::inputFileBytes).
std::vector<float> read_input_image(const std::string& path) {
  const std::vector<uint8_t> bytes =
      read_file_bytes(path, uint64_t(limits::inputFileBytes.max), "--input files");
  try {
    const Json doc = parse_json(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    if (!doc.is_array())
      throw FormatError(std::string("expected an array of 784 numbers, got ") + to_string(doc.type()));
    const Json::Array& values = doc.as_array();
    if (values.size() != size_t(kImageSize))
      throw FormatError("expected an array of 784 numbers (28×28), got " + std::to_string(values.size()));
    std::vector<float> image(kImageSize);
    for (size_t i = 0; i < values.size(); ++i) {
      // "value 30 (row 1, column 2; counting from 0)"
      const std::string where = "value " + std::to_string(i) + " (row " + std::to_string(i / kImageSide) +
                                ", column " + std::to_string(i % kImageSide) + "; counting from 0)";
      if (!values[i].is_number())
        throw FormatError(where + " is " + to_string(values[i].type()) + ", expected a number in [0, 1]");
      const double v = values[i].as_number();
      if (!(v >= 0.0 && v <= 1.0))
        throw FormatError(where + " is " + (std::isfinite(v) ? format_number(v) : std::string("not finite")) +
                          ", expected a number in [0, 1]");
      image[i] = values[i].as_float();
    }
    return image;
  } catch (const FormatError& e) {
    throw FormatError(printable(path) + ": " + e.what());
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
  // The table checks: --weights given, exactly one of --input and --index, --data
  // only with --index, --label with --input, and every range.
  const Options o = options_for("trace", args);
  const std::string weightsPath = o.text("weights");
  const int64_t index = int64_t(o.number("index"));
  int label = o.has("label") ? int(o.number("label")) : -1;
  const float lr = float(o.number("lr"));

  Model model = load_model(weightsPath);
  std::vector<float> image;
  if (o.has("input")) {
    image = read_input_image(o.text("input"));
  } else {
    const MnistSet test = load_mnist(o.text("data"), "t10k");
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
    throw FormatError("the SGD step with λ = " + format_number(lr) +
                      " makes a weight non-finite or larger than " + format_number(kWeightBound) +
                      "; use a smaller --lr");
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
      std::fputs(cli::usage().c_str(), stdout);
      return 0;
    }
  if (args.empty()) throw UsageError("missing command: train, eval or trace (see cnnlab --help)");
  const std::string command = args.front();
  args.erase(args.begin());
  if (command == "help") {
    std::fputs(cli::usage().c_str(), stdout);
    return 0;
  }
  if (command == "train") return run_train(args);
  if (command == "eval") return run_eval(args);
  if (command == "trace") return run_trace(args);
  throw UsageError("unknown command '" + printable(command) +
                   "' (expected train, eval or trace; see cnnlab --help)");
}

}  // namespace
}  // namespace cnnlab

int main(int argc, char** argv) {
  try {
    return cnnlab::run(argc, argv);
  } catch (const cnnlab::cli::UsageError& e) {
    cnnlab::print_error(e.what());
    return 2;
  } catch (const std::exception& e) {
    cnnlab::print_error(e.what());
    return 1;
  }
}
