// Types shared by the core facade, the worker protocol and the UI. Names follow the
// handout (see README, "How the handout maps to the code"). The values of the core's
// tables (option limits and defaults, the parameter tensors, the divergence rule)
// are not written here: they come from the module (./limits.ts reads them).

export type Activation = 'relu' | 'tanh' | 'sigmoid';
export type Pooling = 'average' | 'max';
/** How λ changes within a run, on top of lrDecay (cpp/network/model.h). */
export type LrSchedule = 'constant' | 'cosine';
export const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'sigmoid'];
export const POOLINGS: readonly Pooling[] = ['average', 'max'];
export const LR_SCHEDULES: readonly LrSchedule[] = ['constant', 'cosine'];

/** The network's shape: f for every hidden layer, the pooling, map counts, a₁ width. */
export interface NetworkConfig {
  activation: Activation;
  pooling: Pooling;
  maps1: number;
  maps2: number;
  hidden: number;
}

/** SGD θ ← θ − λ·Δθ (handout p. 6), its optional extensions, and the run's length. */
export interface TrainOptions {
  learningRate: number;
  batchSize: number;
  momentum: number;
  lrDecay: number;
  epochs: number;
  shuffle: boolean;
  /**
   * 'constant': every step of an epoch uses λ of the epoch (λ·decay^epoch); 'cosine':
   * the step starting after t of the run's T samples uses that times ½(1 + cos(π·t/T)).
   */
  lrSchedule: LrSchedule;
  /**
   * Data augmentation of every training sample, in the core's text form
   * (cpp/augment/augment.h): 'off', 'mild' (= 'on'), 'strong', or KEY=VALUE items after
   * an optional preset, e.g. 'rot=8,shift=2' or 'mild,elastic=20:4'. The model reports
   * it in canonical form: 'off', or the items that differ from off
   * ('rot=8,scale=0.08,shift=2,shear=0.15,stroke=0.7' for 'mild').
   */
  augment: string;
}

/** done: the run's epochs are over; no-data: no training set yet. */
export type TrainStatus = 'ok' | 'diverged' | 'no-data' | 'done';
/** Which clause of the divergence rule fired (cpp/network/model.h). */
export type Divergence = 'none' | 'loss-not-finite' | 'weight-blow-up' | 'exploding-loss';

export interface ChunkResult {
  samples: number;
  lossSum: number;
  /** Samples classified right before their update. */
  correct: number;
  status: TrainStatus;
  /** Index in the training set of the last sample trained (−1: none), and its label. */
  lastIndex: number;
  lastLabel: number;
}

/** The run as the core keeps it. */
export interface RunProgress {
  trainCount: number;
  /** Completed epochs. */
  epoch: number;
  /** Samples done in the current epoch. */
  position: number;
  samplesSeen: number;
  /** λ of the next step: λ of this epoch (after decay) times the schedule's factor. */
  learningRate: number;
  /** Mean loss of the last samples (the divergence rule's window); NaN before any. */
  recentLoss: number;
  status: TrainStatus;
  divergence: Divergence;
  /** Plain words ('' when nothing happened). */
  message: string;
}

export interface EvalResult {
  meanLoss: number;
  accuracy: number;
  count: number;
  correct: number;
  /** 10×10, row = true label, column = predicted. */
  confusion: Int32Array;
  /** Per image (when asked for): the predicted digit, and the 10 probabilities image after image. */
  predictions: Uint8Array | null;
  probs: Float32Array | null;
}

export interface Tensor {
  shape: number[];
  data: Float32Array;
}
export type TensorMap = Record<string, Tensor>;

export interface LoadedWeights {
  config: NetworkConfig;
  params: Float32Array;
}

/** What a checkpoint (θ + the run state, as bytes) holds, read without restoring it. */
export interface CheckpointInfo {
  config: NetworkConfig;
  seed: number;
  options: TrainOptions;
  trainCount: number;
  samplesSeen: number;
  epoch: number;
  /** The mean loss of the run's last samples (NaN before any). */
  recentLoss: number;
  params: Float32Array;
}

/**
 * Parameter tensors, PyTorch state_dict names. The list itself (order, shapes) is
 * the core's table (`Cnnlab.paramTable`); this type only names its entries, and a
 * test checks it against the module.
 */
export type ParamName =
  | 'conv1.weight'
  | 'conv1.bias'
  | 'conv2.weight'
  | 'conv2.bias'
  | 'fc1.weight'
  | 'fc1.bias'
  | 'fc2.weight'
  | 'fc2.bias';

/** One row of the core's parameter table. */
export interface ParamTensorInfo {
  name: ParamName;
  /** The handout's symbol: K¹, b¹, K², b², W₁, b₁, W₂, b₂. */
  handout: string;
  shape: number[];
  /** In the flat parameter buffer (getParams order), in floats. */
  offset: number;
  size: number;
}

/** Forward tensors, the same fields as `cnnlab trace`. */
export type ForwardName =
  | 'conv1_pre'
  | 'conv1'
  | 'pool1'
  | 'conv2_pre'
  | 'conv2'
  | 'pool2'
  | 'flatten'
  | 'fc1_pre'
  | 'fc1'
  | 'logits'
  | 'probs';

/** δ tensors of backprop (handout pp. 4–5). */
export type DeltaName =
  | 'delta_out' // δ = S − Y
  | 'delta_a1' // W₂ᵀδ
  | 'delta1' // δ₁ = W₂ᵀδ ⊙ f′
  | 'delta_flatten' // δ_flatten = W₁ᵀδ₁
  | 'delta_conv2_out' // δ spread back through pooling, before ·f′
  | 'delta_conv2' // δC²
  | 'delta_pool1' // δC_P¹
  | 'delta_conv1_out'
  | 'delta_conv1'; // δC¹

export interface TraceResult {
  loss: number;
  /** The network that computed these tensors (f and the pooling are not guessed from values). */
  config: NetworkConfig;
  input: Tensor;
  forward: Record<ForwardName, Tensor>;
  deltas: Record<DeltaName, Tensor>;
  params: Record<ParamName, Tensor>;
  grads: Record<ParamName, Tensor>;
}

/** The handout's tensors for one input, as the network view draws them. */
export type NetworkSnapshot = Pick<TraceResult, 'config' | 'input' | 'forward' | 'params'>;

/** One parameter group of the live gradient check (central finite differences). */
export interface GradCheckGroup {
  name: string;
  probes: number;
  /** max |g_fd − g_bp| / max(|g_fd| + |g_bp|, 1e-4), finite differences in double precision over probes away from kinks */
  maxRelativeError: number;
  maxAbsoluteError: number;
  /** probes where ±ε straddles a ReLU/max-pool kink (no derivative there) */
  kinkProbes: number;
  maxKinkRelativeError: number;
}
