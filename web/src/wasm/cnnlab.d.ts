// Hand-written types for the Embind module built from cpp/bindings/embind.cpp
// (Emscripten 3.1.6 cannot emit them). `npm run build:wasm` writes cnnlab.js,
// cnnlab.wasm and limits.json beside this file. Use it through web/src/core/cnnlab.ts.
//
// An entry that can fail returns an Error (not thrown) instead of its result: the
// facade throws it (a throw inside the module would leak its arguments).
import type { Choices } from '../core/limits';
import type {
  ChunkResult,
  CheckpointInfo,
  GradCheckGroup,
  LoadedWeights,
  NetworkConfig,
  RunProgress,
  TensorMap,
  TrainOptions,
} from '../core/types';

export type Fallible<T> = T | Error;

export interface RawEvalResult {
  meanLoss: number;
  accuracy: number;
  count: number;
  correct: number;
  confusion: Int32Array;
  predictions: Uint8Array | null;
  probs: Float32Array | null;
}

export interface RawTensors {
  forward: TensorMap;
  deltas: TensorMap;
  params: TensorMap;
  grads: TensorMap;
}

interface Deletable {
  delete(): void;
  isDeleted(): boolean;
}

export interface RawDataset extends Deletable {
  count(): number;
  /** A view into WASM memory: valid only until the next call into the module. */
  imagesView(): Uint8Array;
  /** A view into WASM memory: valid only until the next call into the module. */
  labelsView(): Uint8Array;
  /** A copy of image `index` (784 bytes). */
  pixels(index: number): Fallible<Uint8Array>;
}

export interface RawModel extends Deletable {
  config(): NetworkConfig;
  options(): TrainOptions;
  seed(): number;
  paramCount(): number;
  setOptions(options: TrainOptions): Fallible<undefined>;
  setTrainingData(data: RawDataset, count: number): Fallible<undefined>;
  train(samples: number): Fallible<ChunkResult>;
  progress(): RunProgress;
  checkpoint(): Uint8Array;
  restore(bytes: Uint8Array): Fallible<undefined>;
  evaluate(data: RawDataset, start: number, count: number, perImage: boolean): Fallible<RawEvalResult>;
  predict(image: Float32Array): Fallible<Float32Array>;
  trace(image: Float32Array, label: number): Fallible<number>;
  step(image: Float32Array, label: number, learningRate: number): Fallible<number>;
  tensors(): RawTensors;
  saliency(image: Float32Array, k: number): Fallible<Float32Array>;
  hiddenActivations(data: RawDataset, start: number, count: number): Fallible<Float32Array>;
  augmentPreview(data: RawDataset, index: number, count: number): Fallible<Float32Array>;
  gradientCheck(image: Float32Array, label: number, probesPerGroup: number): Fallible<GradCheckGroup[]>;
  getParams(): Float32Array;
  setParams(values: Float32Array): Fallible<undefined>;
  toJson(): Fallible<string>;
  toBinary(): Fallible<Uint8Array>;
}

/** One stage of a training step, timed inside the module (cpp/bench/kernel_bench.h). */
export interface StepStageFigure {
  name: string;
  code: string;
  /** One of the three 5×5 kernels. */
  kernel: boolean;
  /** Useful multiply-adds per call (0: not counted). */
  macs: number;
  nsPerCall: number;
}

export interface StepProfile {
  kernelName: string;
  /** Multiply + add on 4-lane vectors in registers, GMAC/s. */
  ceilingGmacs: number;
  stages: StepStageFigure[];
  /** Model::train of one sample (per-sample SGD). */
  stepNs: number;
  /** Network load_input + forward + backward. */
  forwardBackwardNs: number;
  /** Model::predict of one image, without the JS copies. */
  predictNs: number;
}

export interface CnnlabRawModule {
  Dataset: new (count: number) => RawDataset;
  Model: { create(config: NetworkConfig, seed: number, options: TrainOptions): Fallible<RawModel> };
  validateConfig(config: NetworkConfig): string;
  validateOptions(options: TrainOptions): string;
  normalizeAugment(text: string): Fallible<string>;
  choices(): Choices;
  parseWeightsJson(text: string): Fallible<LoadedWeights>;
  parseWeightsBinary(bytes: Uint8Array): Fallible<LoadedWeights>;
  checkpointInfo(bytes: Uint8Array): Fallible<CheckpointInfo>;
  limits(): Record<string, { min: number; max: number; default: number; integer: boolean }>;
  defaultConfig(): NetworkConfig;
  defaultOptions(): TrainOptions;
  paramTable(config: NetworkConfig): Fallible<{ name: string; handout: string; shape: number[]; offset: number; size: number }[]>;
  kernelName: string;
  lossWindow: number;
  explodingLoss: number;
  weightBound: number;
  heapBytesInUse(): number;
  /** For the benchmark: times each stage of a step for ≈ millisPerFigure ms (images 0..count−1 of data). */
  benchKernels(data: RawDataset, count: number, millisPerFigure: number): Fallible<StepProfile>;
  HEAPU8: Uint8Array;
}

export interface ModuleOptions {
  wasmBinary?: ArrayBuffer | Uint8Array;
  locateFile?: (path: string, prefix: string) => string;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

declare function createCnnlabModule(options?: ModuleOptions): Promise<CnnlabRawModule>;
export default createCnnlabModule;
