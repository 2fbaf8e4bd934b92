// Embind bindings: the core's API for JavaScript, nothing more. The only file that
// includes Emscripten headers. Typed wrappers live in web/src/core/.
//
// Memory: every result array is a fresh JS copy (Float32Array / Int32Array /
// Uint8Array), safe to keep. The two exceptions are Dataset.imagesView() and
// Dataset.labelsView(): views into WASM memory, valid only until the next call
// into the module (memory may grow); fill them at once with .set().
// Errors: core exceptions become JS Error objects with the core's message.
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <exception>
#include <string>

#include "bench/kernel_bench.h"
#include "io/weights.h"
#include "kernels/conv5x5.h"
#include "network/dataset.h"
#include "network/gradcheck.h"
#include "network/model.h"

using namespace emscripten;
using namespace cnnlab;

namespace {

[[noreturn]] void throw_js(const char* message) { val::global("Error").new_(std::string(message)).throw_(); }

// Runs fn; a C++ exception becomes a JS Error with its message.
template <class F>
auto guarded(F&& fn) -> decltype(fn()) {
  std::string message;
  try {
    return fn();
  } catch (const std::exception& e) {
    message = e.what();
  }
  throw_js(message.c_str());
}

val float_copy(const float* data, size_t n) {
  return val::global("Float32Array").new_(typed_memory_view(n, data));
}

std::vector<float> float_vector(const val& array) { return convertJSArrayToNumberVector<float>(array); }

const float* image_arg(const std::vector<float>& image) {
  if (image.size() != size_t(kImageSize))
    throw std::invalid_argument("an image has 784 values (28×28), got " + std::to_string(image.size()));
  return image.data();
}

// --- Config and options as plain JS objects ---
Config config_from(const val& c) {
  Config config;
  if (c.hasOwnProperty("activation")) {
    auto a = parse_activation(c["activation"].as<std::string>());
    if (!a) throw std::invalid_argument("unknown activation \"" + c["activation"].as<std::string>() + "\" (relu, tanh or sigmoid)");
    config.activation = *a;
  }
  if (c.hasOwnProperty("pooling")) {
    auto p = parse_pooling(c["pooling"].as<std::string>());
    if (!p) throw std::invalid_argument("unknown pooling \"" + c["pooling"].as<std::string>() + "\" (average or max)");
    config.pooling = *p;
  }
  if (c.hasOwnProperty("maps1")) config.maps1 = c["maps1"].as<int>();
  if (c.hasOwnProperty("maps2")) config.maps2 = c["maps2"].as<int>();
  if (c.hasOwnProperty("hidden")) config.hidden = c["hidden"].as<int>();
  if (auto e = validate(config); !e.empty()) throw std::invalid_argument(e);
  return config;
}

val config_to(const Config& c) {
  val o = val::object();
  o.set("activation", std::string(to_string(c.activation)));
  o.set("pooling", std::string(to_string(c.pooling)));
  o.set("maps1", c.maps1);
  o.set("maps2", c.maps2);
  o.set("hidden", c.hidden);
  return o;
}

TrainOptions options_from(const val& o) {
  TrainOptions t;
  if (o.hasOwnProperty("learningRate")) t.learningRate = o["learningRate"].as<float>();
  if (o.hasOwnProperty("batchSize")) t.batchSize = o["batchSize"].as<int>();
  if (o.hasOwnProperty("momentum")) t.momentum = o["momentum"].as<float>();
  if (o.hasOwnProperty("lrDecay")) t.lrDecay = o["lrDecay"].as<float>();
  if (o.hasOwnProperty("shuffle")) t.shuffle = o["shuffle"].as<bool>();
  return t;
}

val options_to(const TrainOptions& t) {
  val o = val::object();
  o.set("learningRate", t.learningRate);
  o.set("batchSize", t.batchSize);
  o.set("momentum", t.momentum);
  o.set("lrDecay", t.lrDecay);
  o.set("shuffle", t.shuffle);
  return o;
}

const char* status_name(TrainStatus s) {
  return s == TrainStatus::Ok ? "ok" : s == TrainStatus::Diverged ? "diverged" : "no-data";
}

val loaded_to(const LoadedWeights& w) {
  val o = val::object();
  o.set("config", config_to(w.config));
  o.set("params", float_copy(w.params.data(), w.params.size()));
  return o;
}

// --- Model ---
Model* make_model(val config, uint32_t seed, val options) {
  return guarded([&] { return new Model(config_from(config), seed, options_from(options)); });
}

void set_options(Model& m, val options) { guarded([&] { m.set_options(options_from(options)); }); }

void set_training_data(Model& m, Dataset& d, double count) {
  guarded([&] {
    if (!(count >= 1 && count <= double(d.count())))
      throw std::invalid_argument("training size must be between 1 and " + std::to_string(d.count()));
    m.set_training_data(d.images(), d.labels(), size_t(count));
  });
}

val train(Model& m, double samples) {
  const ChunkResult r = guarded([&] {
    if (!(samples >= 0 && samples <= 1e9)) throw std::invalid_argument("samples must be between 0 and 1e9");
    return m.train(size_t(samples));
  });
  val o = val::object();
  o.set("samples", r.samples);
  o.set("lossSum", r.lossSum);
  o.set("correct", r.correct);
  o.set("status", std::string(status_name(r.status)));
  return o;
}

val evaluate(Model& m, Dataset& d, double start, double count) {
  const EvalResult e = guarded([&] {
    if (!(start >= 0 && count >= 1 && start + count <= double(d.count())))
      throw std::invalid_argument("evaluation range outside the dataset");
    return m.evaluate(d.image(size_t(start)), d.labels() + size_t(start), size_t(count));
  });
  val o = val::object();
  o.set("meanLoss", e.meanLoss);
  o.set("accuracy", e.accuracy);
  o.set("count", e.count);
  o.set("confusion", val::global("Int32Array").new_(typed_memory_view(e.confusion.size(), e.confusion.data())));
  return o;
}

val predict(Model& m, val image) {
  return guarded([&] {
    const auto x = float_vector(image);
    return float_copy(m.predict(image_arg(x)), kClasses);
  });
}

val predict_sample(Model& m, Dataset& d, double index) {
  return guarded([&] {
    if (!(index >= 0 && index < double(d.count()))) throw std::invalid_argument("sample index outside the dataset");
    return float_copy(m.predict(d.image(size_t(index))), kClasses);
  });
}

double trace(Model& m, val image, int label) {
  return guarded([&] { const auto x = float_vector(image); return double(m.trace(image_arg(x), label)); });
}

double step(Model& m, val image, int label, float lr) {
  return guarded([&] { const auto x = float_vector(image); return double(m.step(image_arg(x), label, lr)); });
}

// Every named tensor of the network: activations and δ of the last pass
// ("conv1", "delta_conv2", ...), parameters ("conv1.weight", ...) and gradients
// ("grad.conv1.weight", ...), as {name: {shape, data}}.
val tensors(Model& m) {
  val o = val::object();
  auto add = [&](const TensorView& t, const std::string& prefix) {
    val entry = val::object();
    val shape = val::array();
    for (int s : t.shape) shape.call<void>("push", s);
    entry.set("shape", shape);
    entry.set("data", float_copy(t.data, t.size));
    o.set(prefix + t.name, entry);
  };
  Network& net = m.network();
  for (const auto& t : net.activation_views()) add(t, "");
  for (const auto& t : net.parameter_views()) add(t, "");
  for (const auto& t : net.gradient_views()) add(t, "grad.");
  return o;
}

val gradient_check_js(Model& m, val image, int label, int probesPerGroup) {
  return guarded([&] {
    const auto x = float_vector(image);
    if (label < 0 || label > 9) throw std::invalid_argument("label must be a digit 0..9");
    if (probesPerGroup < 1 || probesPerGroup > 1000) throw std::invalid_argument("probes per group must be 1..1000");
    const auto groups = gradient_check(m.network(), image_arg(x), label, probesPerGroup, 1e-4f, 1);
    val out = val::array();
    for (const auto& g : groups) {
      val o = val::object();
      o.set("name", g.name);
      o.set("probes", g.probes);
      o.set("maxRelativeError", g.maxRelativeError);
      o.set("maxAbsoluteError", g.maxAbsoluteError);
      o.set("kinkProbes", g.kinkProbes);
      o.set("maxKinkRelativeError", g.maxKinkRelativeError);
      out.call<void>("push", o);
    }
    return out;
  });
}

val get_params(const Model& m) {
  const auto p = m.get_params();
  return float_copy(p.data(), p.size());
}

void set_params(Model& m, val values) {
  guarded([&] { const auto v = float_vector(values); m.set_params(v.data(), v.size()); });
}

val progress(const Model& m) {
  val o = val::object();
  o.set("epoch", double(m.epoch()));
  o.set("position", double(m.position()));
  o.set("samplesSeen", double(m.samples_seen()));
  o.set("learningRate", m.current_learning_rate());
  o.set("status", std::string(status_name(m.status())));
  o.set("message", m.status_message());
  return o;
}

std::string to_json(Model& m) {
  return guarded([&] { return weights_to_json(m.config(), m.network().params()); });
}

val to_binary(Model& m) {
  return guarded([&] {
    const auto bytes = weights_to_binary(m.config(), m.network().params());
    return val::global("Uint8Array").new_(typed_memory_view(bytes.size(), bytes.data()));
  });
}

val parse_json(std::string text) { return guarded([&] { return loaded_to(weights_from_json(text)); }); }

val parse_binary(val bytes) {
  return guarded([&] {
    const auto v = convertJSArrayToNumberVector<uint8_t>(bytes);
    return loaded_to(weights_from_binary(v.data(), v.size()));
  });
}

// --- Dataset ---
Dataset* make_dataset(double count) {
  return guarded([&] {
    if (!(count >= 1 && count <= 1e6)) throw std::invalid_argument("a dataset holds 1 to 1,000,000 images");
    return new Dataset(size_t(count));
  });
}
// --- Benchmark entry (npm run bench): the step profile of bench/kernel_bench.h ---
val bench_kernels(Dataset& d, double count, double millisPerFigure) {
  const auto p = guarded([&] {
    if (!(count >= 1 && count <= double(d.count()))) throw std::invalid_argument("count outside the dataset");
    if (!(millisPerFigure > 0 && millisPerFigure <= 10000)) throw std::invalid_argument("millisPerFigure must be in (0, 10000]");
    return bench::profile_step(d.images(), d.labels(), size_t(count), millisPerFigure);
  });
  val o = val::object();
  o.set("kernelName", p.kernelName);
  o.set("ceilingGmacs", p.ceilingGmacs);
  o.set("stepNs", p.stepNs);
  o.set("forwardBackwardNs", p.forwardBackwardNs);
  o.set("predictNs", p.predictNs);
  val stages = val::array();
  for (const auto& s : p.stages) {
    val f = val::object();
    f.set("name", s.name);
    f.set("code", s.code);
    f.set("kernel", s.kernel);
    f.set("macs", s.macs);
    f.set("nsPerCall", s.nsPerCall);
    stages.call<void>("push", f);
  }
  o.set("stages", stages);
  return o;
}

val images_view(Dataset& d) { return val(typed_memory_view(d.count() * kImageSize, d.images())); }
val labels_view(Dataset& d) { return val(typed_memory_view(d.count(), d.labels())); }

}  // namespace

EMSCRIPTEN_BINDINGS(cnnlab) {
  class_<Dataset>("Dataset")
      .constructor(&make_dataset, allow_raw_pointers())
      .function("count", &Dataset::count)
      .function("imagesView", &images_view)
      .function("labelsView", &labels_view);

  class_<Model>("Model")
      .constructor(&make_model, allow_raw_pointers())
      .function("config", optional_override([](const Model& m) { return config_to(m.config()); }))
      .function("options", optional_override([](const Model& m) { return options_to(m.options()); }))
      .function("seed", &Model::seed)
      .function("paramCount", optional_override([](Model& m) { return double(m.network().param_count()); }))
      .function("setOptions", &set_options)
      .function("setTrainingData", &set_training_data)
      .function("train", &train)
      .function("progress", &progress)
      .function("evaluate", &evaluate)
      .function("predict", &predict)
      .function("predictSample", &predict_sample)
      .function("trace", &trace)
      .function("step", &step)
      .function("tensors", &tensors)
      .function("gradientCheck", &gradient_check_js)
      .function("getParams", &get_params)
      .function("setParams", &set_params)
      .function("toJson", &to_json)
      .function("toBinary", &to_binary);

  function("parseWeightsJson", &parse_json);
  function("parseWeightsBinary", &parse_binary);
  constant("kernelName", std::string(kConvKernelName));
  // Bytes of the WASM heap in use by malloc (the leak test watches it).
  function("heapBytesInUse", optional_override([] { return double(mallinfo().uordblks); }));
  // For `npm run bench` only: times each stage of a training step inside the module.
  function("benchKernels", &bench_kernels);
}
