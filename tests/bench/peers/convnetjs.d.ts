// Minimal types for convnetjs 0.3.0 (the package ships none): only what the peer uses.
declare module 'convnetjs' {
  export class Vol {
    constructor(sx: number, sy: number, depth: number, c?: number);
    sx: number;
    sy: number;
    depth: number;
    w: Float64Array;
    dw: Float64Array;
  }
  export interface LayerDef {
    type: 'input' | 'conv' | 'pool' | 'fc' | 'softmax' | 'relu';
    out_sx?: number; out_sy?: number; out_depth?: number;
    sx?: number; sy?: number; filters?: number; stride?: number; pad?: number;
    num_neurons?: number; num_classes?: number; activation?: 'relu' | 'sigmoid' | 'tanh';
    bias_pref?: number; l1_decay_mul?: number; l2_decay_mul?: number;
  }
  export interface ParamsAndGrads { params: Float64Array; grads: Float64Array; l1_decay_mul?: number; l2_decay_mul?: number }
  export interface Layer {
    layer_type: string;
    out_sx: number; out_sy: number; out_depth: number;
    in_sx?: number; in_sy?: number; in_depth?: number;
    sx?: number; sy?: number; stride?: number; pad?: number;
    filters?: Vol[];
    biases?: Vol;
    getParamsAndGrads(): ParamsAndGrads[];
  }
  export class Net {
    layers: Layer[];
    makeLayers(defs: LayerDef[]): void;
    forward(V: Vol, is_training?: boolean): Vol;
    backward(y: number): number;
    getParamsAndGrads(): ParamsAndGrads[];
    getPrediction(): number;
  }
  export interface TrainerOptions {
    method?: 'sgd' | 'adagrad' | 'adadelta' | 'windowgrad' | 'nesterov';
    learning_rate?: number; momentum?: number; batch_size?: number;
    l1_decay?: number; l2_decay?: number;
  }
  export class Trainer {
    constructor(net: Net, options?: TrainerOptions);
    train(x: Vol, y: number): { loss: number; cost_loss: number };
  }
  export { Trainer as SGDTrainer };
  const convnetjs: { Vol: typeof Vol; Net: typeof Net; Trainer: typeof Trainer; SGDTrainer: typeof Trainer };
  export default convnetjs;
}
