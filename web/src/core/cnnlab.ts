// Typed facade over the Embind module: argument checks with clear errors (before the
// module is touched, so nothing is left half-changed), copies out of WASM memory,
// and explicit lifetimes (call dispose()). Works in a worker, the page and Node.
import createCnnlabModule, { type CnnlabRawModule, type RawDataset, type RawModel } from '../wasm/cnnlab.js';
import {
  ACTIVATIONS,
  DEFAULT_CONFIG,
  DEFAULT_OPTIONS,
  DELTA_NAMES,
  FORWARD_NAMES,
  PARAM_NAMES,
  POOLINGS,
  type ChunkResult,
  type EvalResultRaw,
  type GradCheckGroup,
  type LoadedWeights,
  type NetworkConfig,
  type ProgressRaw,
  type Tensor,
  type TensorMap,
  type TraceResult,
  type TrainOptions,
} from './types';

export * from './types';

export const IMAGE_SIZE = 784;

export interface LoadOptions {
  /** The .wasm bytes (Node, tests). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where the .wasm is (browser); default: next to the glue code. */
  wasmUrl?: string | URL;
}

/** Features the module needs; an Error names the first one missing. */
export function checkWasmSupport(): void {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function')
    throw new Error('This browser has no WebAssembly support; cnnlab needs a browser from 2021 or later.');
  // (module (func (result v128) (v128.const i32x4 0 0 0 0)))
  const simd = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
  ]);
  if (!WebAssembly.validate(simd))
    throw new Error(
      'This browser lacks WebAssembly SIMD (fixed-width SIMD: Chrome/Edge 91+, Firefox 89+, Safari 16.4+).',
    );
  // (module (tag) (func try nop end)) — native WebAssembly exception handling
  const eh = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 13, 3, 1, 0, 0, 10, 7, 1, 5, 0, 6, 64, 11, 11,
  ]);
  if (!WebAssembly.validate(eh))
    throw new Error(
      'This browser lacks WebAssembly exception handling (Chrome/Edge 95+, Firefox 100+, Safari 15.2+).',
    );
}

let cached: Promise<Cnnlab> | null = null;

/** Loads the module once (per realm: page, worker or Node process). */
export function loadCnnlab(options: LoadOptions = {}): Promise<Cnnlab> {
  if (!cached) {
    cached = (async () => {
      checkWasmSupport();
      const raw = await createCnnlabModule({
        ...(options.wasmBinary ? { wasmBinary: options.wasmBinary } : {}),
        ...(options.wasmUrl ? { locateFile: () => String(options.wasmUrl) } : {}),
      });
      return new Cnnlab(raw);
    })();
    cached.catch(() => {
      cached = null; // a failed load may be retried
    });
  }
  return cached;
}

function fail(message: string): never {
  throw new Error(message);
}

export function checkConfig(config: Partial<NetworkConfig>): NetworkConfig {
  const c = { ...DEFAULT_CONFIG, ...config };
  if (!ACTIVATIONS.includes(c.activation))
    fail(`unknown activation "${String(c.activation)}" (relu, tanh or sigmoid)`);
  if (!POOLINGS.includes(c.pooling)) fail(`unknown pooling "${String(c.pooling)}" (average or max)`);
  for (const [key, max] of [
    ['maps1', 16],
    ['maps2', 16],
    ['hidden', 512],
  ] as const) {
    const v = c[key];
    if (!Number.isInteger(v) || v < 1 || v > max) fail(`${key} must be an integer from 1 to ${max}, got ${v}`);
  }
  return c;
}

export function checkOptions(options: Partial<TrainOptions>): TrainOptions {
  const o = { ...DEFAULT_OPTIONS, ...options };
  if (!(Number.isFinite(o.learningRate) && o.learningRate > 0))
    fail(`learning rate must be a finite number > 0, got ${o.learningRate}`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1 || o.batchSize > 60000)
    fail(`batch size must be an integer from 1 to 60000, got ${o.batchSize}`);
  if (!(o.momentum >= 0 && o.momentum < 1)) fail(`momentum must be in [0, 1), got ${o.momentum}`);
  if (!(o.lrDecay > 0 && o.lrDecay <= 1)) fail(`learning-rate decay must be in (0, 1], got ${o.lrDecay}`);
  return o;
}

function checkSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    fail(`seed must be an integer from 0 to 4294967295, got ${seed}`);
  return seed;
}

function checkImage(image: Float32Array): Float32Array {
  if (!(image instanceof Float32Array)) fail('an image is a Float32Array of 784 values');
  if (image.length !== IMAGE_SIZE) fail(`an image has 784 values (28×28), got ${image.length}`);
  return image;
}

function checkLabel(label: number): number {
  if (!Number.isInteger(label) || label < 0 || label > 9) fail(`label must be a digit 0..9, got ${label}`);
  return label;
}

export class Cnnlab {
  constructor(readonly raw: CnnlabRawModule) {}

  /** "v128" (SIMD) or "scalar": the 5×5 kernels compiled in. */
  get kernelName(): string {
    return this.raw.kernelName;
  }

  createModel(config: Partial<NetworkConfig> = {}, seed = 1, options: Partial<TrainOptions> = {}): CnnModel {
    return new CnnModel(this, new this.raw.Model(checkConfig(config), checkSeed(seed), checkOptions(options)));
  }

  /** Copies images (count·784 bytes) and labels into WASM memory, once. */
  createDataset(images: Uint8Array, labels: Uint8Array): CnnDataset {
    const count = labels.length;
    if (count < 1) fail('a dataset needs at least one image');
    if (images.length !== count * IMAGE_SIZE)
      fail(`images hold ${images.length} bytes, expected ${count * IMAGE_SIZE} for ${count} labels`);
    for (let i = 0; i < count; i++)
      if (labels[i]! > 9) fail(`label ${labels[i]} at index ${i} is not a digit 0..9`);
    const raw = new this.raw.Dataset(count);
    raw.imagesView().set(images); // views are used at once: no call into the module between
    raw.labelsView().set(labels);
    return new CnnDataset(raw, count);
  }

  parseWeightsJson(text: string): LoadedWeights {
    if (typeof text !== 'string') fail('weights JSON must be a string');
    return this.raw.parseWeightsJson(text);
  }

  parseWeightsBinary(bytes: Uint8Array): LoadedWeights {
    if (!(bytes instanceof Uint8Array)) fail('binary weights must be a Uint8Array');
    return this.raw.parseWeightsBinary(bytes);
  }

  /** A model from a weights file's contents (JSON text or binary bytes). */
  modelFromWeights(file: string | Uint8Array, seed = 1, options: Partial<TrainOptions> = {}): CnnModel {
    const loaded = typeof file === 'string' ? this.parseWeightsJson(file) : this.parseWeightsBinary(file);
    const model = this.createModel(loaded.config, seed, options);
    model.setParams(loaded.params);
    return model;
  }
}

export class CnnDataset {
  constructor(
    readonly raw: RawDataset,
    readonly count: number,
  ) {}
  dispose(): void {
    if (!this.raw.isDeleted()) this.raw.delete();
  }
}

export interface EvalResult extends EvalResultRaw {}

export class CnnModel {
  private trainingData: CnnDataset | null = null;

  constructor(
    readonly module: Cnnlab,
    readonly raw: RawModel,
  ) {}

  get config(): NetworkConfig {
    return this.raw.config();
  }
  get options(): TrainOptions {
    return this.raw.options();
  }
  get seed(): number {
    return this.raw.seed();
  }
  get paramCount(): number {
    return this.raw.paramCount();
  }

  /** Validated first: on an error nothing changes. Clears a diverged status. */
  setOptions(options: Partial<TrainOptions>): void {
    this.raw.setOptions(checkOptions({ ...this.raw.options(), ...options }));
  }

  /** Trains on the first `count` samples of `data` (default all); the dataset must outlive training. */
  setTrainingData(data: CnnDataset, count = data.count): void {
    if (!Number.isInteger(count) || count < 1 || count > data.count)
      fail(`training size must be an integer from 1 to ${data.count}, got ${count}`);
    this.raw.setTrainingData(data.raw, count);
    this.trainingData = data;
  }

  /** The next `samples` samples of the epoch order, resuming where the last call stopped. */
  train(samples: number): ChunkResult {
    if (!Number.isInteger(samples) || samples < 0) fail(`samples must be a whole number ≥ 0, got ${samples}`);
    return this.raw.train(samples);
  }

  progress(): ProgressRaw {
    return this.raw.progress();
  }

  evaluate(data: CnnDataset, start = 0, count = data.count - start): EvalResult {
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 1 || start + count > data.count)
      fail(`evaluation range [${start}, ${start + count}) is outside the dataset of ${data.count}`);
    return this.raw.evaluate(data.raw, start, count);
  }

  /** Softmax S for one image of 784 values in [0, 1]. */
  predict(image: Float32Array): Float32Array {
    return this.raw.predict(checkImage(image));
  }

  predictSample(data: CnnDataset, index: number): Float32Array {
    if (!Number.isInteger(index) || index < 0 || index >= data.count)
      fail(`sample index ${index} is outside the dataset of ${data.count}`);
    return this.raw.predictSample(data.raw, index);
  }

  /** Forward + backward for one image and label; the parameters do not change. */
  trace(image: Float32Array, label: number): TraceResult {
    const loss = this.raw.trace(checkImage(image), checkLabel(label));
    return { loss, ...splitTensors(this.raw.tensors()) };
  }

  /** Every tensor of the last forward/backward pass (after predict: forward only is fresh). */
  tensors(): TraceResult & { loss: number } {
    return { loss: NaN, ...splitTensors(this.raw.tensors()) };
  }

  /** One SGD step on one image; returns the loss before it, or NaN if the step was refused. */
  step(image: Float32Array, label: number, learningRate: number): number {
    if (!(Number.isFinite(learningRate) && learningRate > 0))
      fail(`learning rate must be a finite number > 0, got ${learningRate}`);
    return this.raw.step(checkImage(image), checkLabel(label), learningRate);
  }

  /**
   * Central finite differences for `probesPerGroup` parameters of every group,
   * against backprop's gradient for this image and label. Parameters are restored.
   */
  gradientCheck(image: Float32Array, label: number, probesPerGroup = 10): GradCheckGroup[] {
    if (!Number.isInteger(probesPerGroup) || probesPerGroup < 1 || probesPerGroup > 1000)
      fail(`probes per group must be an integer from 1 to 1000, got ${probesPerGroup}`);
    return this.raw.gradientCheck(checkImage(image), checkLabel(label), probesPerGroup);
  }

  getParams(): Float32Array {
    return this.raw.getParams();
  }

  setParams(values: Float32Array): void {
    if (!(values instanceof Float32Array)) fail('parameters are a Float32Array');
    if (values.length !== this.paramCount)
      fail(`expected ${this.paramCount} parameters, got ${values.length}`);
    this.raw.setParams(values);
  }

  toJson(): string {
    return this.raw.toJson();
  }
  toBinary(): Uint8Array {
    return this.raw.toBinary();
  }

  dispose(): void {
    if (!this.raw.isDeleted()) this.raw.delete();
    this.trainingData = null;
  }

  /** The dataset set by setTrainingData (kept alive by the caller). */
  get data(): CnnDataset | null {
    return this.trainingData;
  }
}

function pick<K extends string>(map: TensorMap, names: readonly K[], prefix = ''): Record<K, Tensor> {
  const out = {} as Record<K, Tensor>;
  for (const name of names) {
    const t = map[prefix + name];
    if (!t) fail(`the module returned no tensor "${prefix + name}"`);
    out[name] = t;
  }
  return out;
}

function splitTensors(map: TensorMap): Omit<TraceResult, 'loss'> {
  const input = map['input'];
  if (!input) fail('the module returned no input tensor');
  return {
    input,
    forward: pick(map, FORWARD_NAMES),
    deltas: pick(map, DELTA_NAMES),
    params: pick(map, PARAM_NAMES),
    grads: pick(map, PARAM_NAMES, 'grad.'),
  };
}
