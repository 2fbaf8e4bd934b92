// Hand-written types for the Embind module built from cpp/bindings/embind.cpp
// (Emscripten 3.1.6 cannot emit them). `npm run build:wasm` writes cnnlab.js and
// cnnlab.wasm beside this file. Use it through web/src/core/cnnlab.ts.
import type {
  EvalResultRaw,
  LoadedWeights,
  NetworkConfig,
  ProgressRaw,
  TensorMap,
  TrainOptions,
  ChunkResult,
  GradCheckGroup,
} from '../core/types';

export interface RawDataset {
  count(): number;
  /** A view into WASM memory: valid only until the next call into the module. */
  imagesView(): Uint8Array;
  /** A view into WASM memory: valid only until the next call into the module. */
  labelsView(): Uint8Array;
  delete(): void;
  isDeleted(): boolean;
}

export interface RawModel {
  config(): NetworkConfig;
  options(): TrainOptions;
  seed(): number;
  paramCount(): number;
  setOptions(options: Partial<TrainOptions>): void;
  setTrainingData(data: RawDataset, count: number): void;
  train(samples: number): ChunkResult;
  progress(): ProgressRaw;
  evaluate(data: RawDataset, start: number, count: number): EvalResultRaw;
  predict(image: Float32Array): Float32Array;
  predictSample(data: RawDataset, index: number): Float32Array;
  trace(image: Float32Array, label: number): number;
  step(image: Float32Array, label: number, learningRate: number): number;
  tensors(): TensorMap;
  gradientCheck(image: Float32Array, label: number, probesPerGroup: number): GradCheckGroup[];
  getParams(): Float32Array;
  setParams(values: Float32Array): void;
  toJson(): string;
  toBinary(): Uint8Array;
  delete(): void;
  isDeleted(): boolean;
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
  Model: new (config: Partial<NetworkConfig>, seed: number, options: Partial<TrainOptions>) => RawModel;
  parseWeightsJson(text: string): LoadedWeights;
  parseWeightsBinary(bytes: Uint8Array): LoadedWeights;
  kernelName: string;
  heapBytesInUse(): number;
  /** For the benchmark: times each stage of a step for ≈ millisPerFigure ms (images 0..count−1 of data). */
  benchKernels(data: RawDataset, count: number, millisPerFigure: number): StepProfile;
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
