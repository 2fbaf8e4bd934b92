// Types shared by the core facade, the worker protocol and the UI. Names follow the
// handout (see README, "How the handout maps to the code").

export type Activation = 'relu' | 'tanh' | 'sigmoid';
export type Pooling = 'average' | 'max';
export const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'sigmoid'];
export const POOLINGS: readonly Pooling[] = ['average', 'max'];

/** The network's shape: f for every hidden layer, the pooling, map counts, a₁ width. */
export interface NetworkConfig {
  activation: Activation;
  pooling: Pooling;
  maps1: number;
  maps2: number;
  hidden: number;
}
export const DEFAULT_CONFIG: Readonly<NetworkConfig> = {
  activation: 'relu',
  pooling: 'average',
  maps1: 4,
  maps2: 6,
  hidden: 50,
};

/** SGD θ ← θ − λ·Δθ (handout p. 6) and its optional extensions. */
export interface TrainOptions {
  learningRate: number;
  batchSize: number;
  momentum: number;
  lrDecay: number;
  shuffle: boolean;
}
export const DEFAULT_OPTIONS: Readonly<TrainOptions> = {
  learningRate: 0.01,
  batchSize: 1,
  momentum: 0,
  lrDecay: 1,
  shuffle: true,
};

export type TrainStatus = 'ok' | 'diverged' | 'no-data';

export interface ChunkResult {
  samples: number;
  lossSum: number;
  correct: number;
  status: TrainStatus;
}

export interface ProgressRaw {
  epoch: number;
  position: number;
  samplesSeen: number;
  learningRate: number;
  status: TrainStatus;
  message: string;
}

export interface EvalResultRaw {
  meanLoss: number;
  accuracy: number;
  count: number;
  /** 10×10, row = true label, column = predicted. */
  confusion: Int32Array;
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

/** Parameter tensors, PyTorch state_dict names. */
export const PARAM_NAMES = [
  'conv1.weight',
  'conv1.bias',
  'conv2.weight',
  'conv2.bias',
  'fc1.weight',
  'fc1.bias',
  'fc2.weight',
  'fc2.bias',
] as const;
export type ParamName = (typeof PARAM_NAMES)[number];

/** Forward tensors, the same fields as `cnnlab trace`. */
export const FORWARD_NAMES = [
  'conv1_pre',
  'conv1',
  'pool1',
  'conv2_pre',
  'conv2',
  'pool2',
  'flatten',
  'fc1_pre',
  'fc1',
  'logits',
  'probs',
] as const;
export type ForwardName = (typeof FORWARD_NAMES)[number];

/** δ tensors of backprop (handout pp. 4–5). */
export const DELTA_NAMES = [
  'delta_out', // δ = S − Y
  'delta_a1', // W₂ᵀδ
  'delta1', // δ₁ = W₂ᵀδ ⊙ f′
  'delta_flatten', // δ_flatten = W₁ᵀδ₁
  'delta_conv2_out', // δ spread back through pooling, before ·f′
  'delta_conv2', // δC²
  'delta_pool1', // δC_P¹
  'delta_conv1_out',
  'delta_conv1', // δC¹
] as const;
export type DeltaName = (typeof DELTA_NAMES)[number];

export interface TraceResult {
  loss: number;
  input: Tensor;
  forward: Record<ForwardName, Tensor>;
  deltas: Record<DeltaName, Tensor>;
  params: Record<ParamName, Tensor>;
  grads: Record<ParamName, Tensor>;
}

/** The handout's tensors for one input, as the network view draws them. */
export type NetworkSnapshot = Pick<TraceResult, 'input' | 'forward' | 'params'>;

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
