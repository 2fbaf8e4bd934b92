// Typed facade over the Embind module: explicit lifetimes (call dispose(); a disposed
// object says so when used), copies out of WASM memory, and the core's errors as
// thrown Errors. It checks nothing the core checks (ranges, labels, sizes): the core
// validates every argument and its message is the one you see.
// Works in a worker, the page and Node.
import createCnnlabModule, { type CnnlabRawModule, type Fallible, type RawDataset, type RawModel } from '../wasm/cnnlab.js';
import { DEFAULT_CONFIG, DEFAULT_OPTIONS } from './limits';
import type {
  CheckpointInfo,
  ChunkResult,
  DeltaName,
  EvalResult,
  ForwardName,
  GradCheckGroup,
  LoadedWeights,
  NetworkConfig,
  NetworkSnapshot,
  ParamName,
  ParamTensorInfo,
  RunProgress,
  Tensor,
  TensorMap,
  TraceResult,
  TrainOptions,
} from './types';

export * from './types';
export { DEFAULT_CONFIG, DEFAULT_OPTIONS, LIMITS, CHOICES, DIVERGENCE, within } from './limits';
export type { AugmentField, Choices, Limit, LimitKey } from './limits';
export { nearestByActivation } from './nearest';

export const IMAGE_SIZE = 784;

export interface LoadOptions {
  /** The .wasm bytes (skips the download or file read). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where the .wasm is; default: `../wasm/cnnlab.wasm` relative to this module. */
  wasmUrl?: string | URL;
}

/**
 * The .wasm relative to this module: web/src/wasm/ beside web/src/core/ in the source,
 * lib/wasm/ beside lib/core/ in the npm package, and wherever a bundler (Vite) puts
 * it, since it rewrites this very pattern.
 */
export const WASM_URL = new URL('../wasm/cnnlab.wasm', import.meta.url);

/** Node's fs, only when running under Node (never bundled: the name is not a literal). */
interface NodeFs {
  readFile(path: URL): Promise<Uint8Array>;
}
function isNode(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; window?: unknown; WorkerGlobalScope?: unknown };
  return typeof g.process?.versions?.node === 'string' && g.window === undefined && g.WorkerGlobalScope === undefined;
}
async function readFileInNode(url: URL): Promise<Uint8Array> {
  const name = 'node:fs/promises';
  const fs = (await import(/* @vite-ignore */ name)) as NodeFs;
  return fs.readFile(url);
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

/**
 * Loads the module once (per realm: page, worker or Node process). With no options
 * the .wasm is found relative to this module: fetched in a browser or a worker, read
 * from disk in Node.
 */
export function loadCnnlab(options: LoadOptions = {}): Promise<Cnnlab> {
  if (!cached) {
    cached = (async () => {
      checkWasmSupport();
      const url = options.wasmUrl ? new URL(options.wasmUrl, WASM_URL) : WASM_URL;
      // Node has no fetch for file: URLs: the bytes are read from disk (the glue targets web and worker only).
      const wasmBinary = options.wasmBinary ?? (isNode() && url.protocol === 'file:' ? await readFileInNode(url) : undefined);
      const raw = await createCnnlabModule(wasmBinary ? { wasmBinary } : { locateFile: () => url.href });
      return new Cnnlab(raw);
    })();
    cached.catch(() => {
      cached = null; // a failed load may be retried
    });
  }
  return cached;
}

/** The module's result, or its Error thrown. */
function unwrap<T>(result: Fallible<T>): T {
  if (result instanceof Error) throw result;
  return result;
}

function fail(message: string): never {
  throw new Error(message);
}

export class Cnnlab {
  constructor(readonly raw: CnnlabRawModule) {}

  /** The 5×5 kernels compiled in ("v128": SIMD, or "scalar"). */
  get kernelName(): string {
    return this.raw.kernelName;
  }

  /** Bytes of the WASM heap in use (leak tests). */
  heapBytesInUse(): number {
    return this.raw.heapBytesInUse();
  }

  createModel(config: Partial<NetworkConfig> = {}, seed = 1, options: Partial<TrainOptions> = {}): CnnModel {
    return new CnnModel(unwrap(this.raw.Model.create({ ...DEFAULT_CONFIG, ...config }, seed, { ...DEFAULT_OPTIONS, ...options })));
  }

  /** Copies images (count·784 bytes) and labels into WASM memory, once. */
  createDataset(images: Uint8Array, labels: Uint8Array): CnnDataset {
    const count = labels.length;
    if (images.length !== count * IMAGE_SIZE)
      fail(`images hold ${images.length} bytes, expected ${count * IMAGE_SIZE} for ${count} labels`);
    const raw = new this.raw.Dataset(count); // the core checks the count
    raw.imagesView().set(images); // views are used at once: no call into the module between
    raw.labelsView().set(labels);
    return new CnnDataset(raw, count);
  }

  parseWeightsJson(text: string): LoadedWeights {
    return unwrap(this.raw.parseWeightsJson(text));
  }

  parseWeightsBinary(bytes: Uint8Array): LoadedWeights {
    return unwrap(this.raw.parseWeightsBinary(bytes));
  }

  /** A model from a weights file's contents (JSON text or binary bytes). */
  modelFromWeights(file: string | Uint8Array, seed = 1, options: Partial<TrainOptions> = {}): CnnModel {
    const loaded = typeof file === 'string' ? this.parseWeightsJson(file) : this.parseWeightsBinary(file);
    const model = this.createModel(loaded.config, seed, options);
    model.setParams(loaded.params);
    return model;
  }

  /** What a checkpoint holds (its network, seed, options, run), without restoring it. */
  checkpointInfo(bytes: Uint8Array): CheckpointInfo {
    return unwrap(this.raw.checkpointInfo(bytes));
  }

  /** The run of a checkpoint, going on exactly where it was, training on `data`. */
  modelFromCheckpoint(bytes: Uint8Array, data: CnnDataset): CnnModel {
    const info = this.checkpointInfo(bytes);
    const model = this.createModel(info.config, info.seed, info.options);
    try {
      model.setTrainingData(data, info.trainCount);
      model.restore(bytes);
    } catch (error) {
      model.dispose();
      throw error;
    }
    return model;
  }

  /**
   * An augmentation's canonical text ('off', or the KEY=VALUE items that differ from off)
   * for any text the core accepts ('mild', 'on', 'rot=8, shift=2'); throws the parser's
   * message for anything else. For checking a URL hash or a field before using it.
   */
  normalizeAugment(text: string): string {
    return unwrap(this.raw.normalizeAugment(text));
  }

  /** The core's table of parameter tensors for a config. */
  paramTable(config: Partial<NetworkConfig> = {}): ParamTensorInfo[] {
    return unwrap(this.raw.paramTable({ ...DEFAULT_CONFIG, ...config })) as ParamTensorInfo[];
  }
}

export class CnnDataset {
  private disposedFlag = false;

  constructor(
    private readonly rawDataset: RawDataset,
    readonly count: number,
  ) {}

  get disposed(): boolean {
    return this.disposedFlag;
  }

  /** The module's object; throws once disposed. */
  get raw(): RawDataset {
    if (this.disposedFlag) fail('this dataset was disposed (dispose() was called): create a new one');
    return this.rawDataset;
  }

  /** Image `index` as its 784 bytes. */
  pixels(index: number): Uint8Array {
    return unwrap(this.raw.pixels(index));
  }

  /** Frees the module's copy (a model training on it keeps it until it is disposed too). */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    this.rawDataset.delete();
  }
}

export class CnnModel {
  private trainingData: CnnDataset | null = null;
  private disposedFlag = false;

  constructor(private readonly rawModel: RawModel) {}

  /** The module's object; throws once disposed. */
  get raw(): RawModel {
    if (this.disposedFlag) fail('this model was disposed (dispose() was called): create a new one');
    return this.rawModel;
  }

  get disposed(): boolean {
    return this.disposedFlag;
  }

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

  /** On an error nothing changes. Clears a diverged status. */
  setOptions(options: Partial<TrainOptions>): void {
    unwrap(this.raw.setOptions({ ...this.raw.options(), ...options }));
  }

  /** Trains on the first `count` samples of `data` (default all): a new run. */
  setTrainingData(data: CnnDataset, count = data.count): void {
    unwrap(this.raw.setTrainingData(data.raw, count));
    this.trainingData = data;
  }

  /** The next `samples` samples of the run, resuming where the last call stopped. */
  train(samples: number): ChunkResult {
    if (this.trainingData?.disposed) fail('the training dataset was disposed: set new training data first');
    return unwrap(this.raw.train(samples));
  }

  /** Where the run is, as the core keeps it. */
  progress(): RunProgress {
    return this.raw.progress();
  }

  /** θ plus the run state, as bytes (io/checkpoint.h). */
  checkpoint(): Uint8Array {
    return this.raw.checkpoint();
  }

  /** Goes on from a checkpoint of this network and seed (training data of its size set first). */
  restore(bytes: Uint8Array): void {
    unwrap(this.raw.restore(bytes));
  }

  /** Loss, accuracy and confusion over `count` images of `data` from `start`; per image if asked. */
  evaluate(data: CnnDataset, start = 0, count = data.count - start, perImage = false): EvalResult {
    return unwrap(this.raw.evaluate(data.raw, start, count, perImage));
  }

  /** Softmax S for one image of 784 values in [0, 1]. */
  predict(image: Float32Array): Float32Array {
    return unwrap(this.raw.predict(image));
  }

  /** Forward + backward for one image and label; the parameters do not change. */
  trace(image: Float32Array, label: number): TraceResult {
    const loss = unwrap(this.raw.trace(image, label));
    return { ...this.tensors(), loss };
  }

  /** Every tensor of the last forward/backward pass (after predict only the forward ones are fresh). */
  tensors(): TraceResult {
    const t = this.raw.tensors();
    const { input, ...forward } = t.forward;
    if (!input) fail('the module returned no input tensor');
    return {
      loss: NaN,
      config: this.config,
      input,
      forward: forward as Record<ForwardName, Tensor>,
      deltas: t.deltas as Record<DeltaName, Tensor>,
      params: t.params as Record<ParamName, Tensor>,
      grads: t.grads as Record<ParamName, Tensor>,
    };
  }

  /** The forward tensors of the last pass, with the network that made them. */
  snapshot(): NetworkSnapshot {
    const { config, input, forward, params } = this.tensors();
    return { config, input, forward, params };
  }

  /**
   * "Why this answer": ∂S_k/∂I, how the probability S_k of digit k changes with each of
   * the 784 input pixels (row-major). The handout's backprop with ∂S_k/∂z = S_k(e_k − S)
   * at the output instead of δ = S − Y, carried one step past the handout to the input:
   * δI = Σₘ δC¹ₘ ⊛ rot180(K¹ₘ), a full convolution. Afterwards tensors() describes this pass.
   */
  saliency(image: Float32Array, k: number): Float32Array {
    return unwrap(this.raw.saliency(image, k));
  }

  /**
   * a₁ (the hidden layer, `config.hidden` values per image) of images [start, start + count)
   * of `data`, image after image: the table for nearest neighbours by a₁ distance
   * (see nearestByActivation). At most LIMITS.hiddenActivationsCount.max images per call.
   */
  hiddenActivations(data: CnnDataset, start: number, count: number): Float32Array {
    return unwrap(this.raw.hiddenActivations(data.raw, start, count));
  }

  /**
   * "What the network trains on": `count` versions (784 values each, one after another)
   * of image `index` of `data`, augmented with this model's options (the image / 255 when
   * augmentation is off). The same seed, image and options give the same pictures; a
   * version's random draw scales with the amounts.
   */
  augmentPreview(data: CnnDataset, index: number, count: number): Float32Array {
    return unwrap(this.raw.augmentPreview(data.raw, index, count));
  }

  /** One SGD step on one image; returns the loss before it, or NaN if the step was refused. */
  step(image: Float32Array, label: number, learningRate: number): number {
    return unwrap(this.raw.step(image, label, learningRate));
  }

  /**
   * Central finite differences for `probesPerGroup` parameters of every group,
   * against backprop's gradient for this image and label. Parameters are restored.
   */
  gradientCheck(image: Float32Array, label: number, probesPerGroup = 10): GradCheckGroup[] {
    return unwrap(this.raw.gradientCheck(image, label, probesPerGroup));
  }

  getParams(): Float32Array {
    return this.raw.getParams();
  }

  setParams(values: Float32Array): void {
    unwrap(this.raw.setParams(values));
  }

  toJson(): string {
    return unwrap(this.raw.toJson());
  }
  toBinary(): Uint8Array {
    return unwrap(this.raw.toBinary());
  }

  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    this.rawModel.delete();
    this.trainingData = null;
  }

  /** The dataset set by setTrainingData. */
  get data(): CnnDataset | null {
    return this.trainingData;
  }
}

export type { TensorMap };
