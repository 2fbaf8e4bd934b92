// Peer (c): the handout network in ConvNetJS 0.3.0 (plain JavaScript, float64
// Vols), per-sample SGD with its SGDTrainer (momentum 0, no decay). ConvNetJS's
// only pooling is MAX pooling, so this peer pools by max where cnnlab and TF.js
// average: same shapes and parameter count, not the same function.
import convnetjs, { type Net } from 'convnetjs';
import { PARAM_COUNT, PARAM_NAMES, type ParamName, type TrainablePeer, checkFlat, slice } from './layout';

export const CONVNETJS_VERSION = '0.3.0';
export const CONVNETJS_NOTE = 'ConvNetJS 0.3.0: MAX pooling (its only pooling; cnnlab/TF.js use average), float64 arithmetic, SGDTrainer momentum 0, batch 1';

export function makeConvnetjsNet(): Net {
  const net = new convnetjs.Net();
  net.makeLayers([
    { type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 },
    { type: 'conv', sx: 5, filters: 4, stride: 1, pad: 0, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'conv', sx: 5, filters: 6, stride: 1, pad: 0, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'fc', num_neurons: 50, activation: 'relu' },
    { type: 'softmax', num_classes: 10 },
  ]);
  // After desugaring: input, conv, relu, pool, conv, relu, pool, fc, relu, fc, softmax.
  const types = net.layers.map((l) => l.layer_type).join(',');
  if (types !== 'input,conv,relu,pool,conv,relu,pool,fc,relu,fc,softmax') throw new Error(`unexpected ConvNetJS layers ${types}`);
  const dims = net.layers.map((l) => `${l.out_sx}x${l.out_sy}x${l.out_depth}`).join(' ');
  if (dims !== '28x28x1 24x24x4 24x24x4 12x12x4 8x8x6 8x8x6 4x4x6 1x1x50 1x1x50 1x1x10 1x1x10') throw new Error(`unexpected ConvNetJS shapes ${dims}`);
  return net;
}

// Where each parameter lives in the net: layer index, and per flat index the
// (filter/neuron, index in its Vol) it maps to. ConvNetJS Vols index
// ((sx*y)+x)*depth+d with x = column, y = row.
const LAYER_OF: Record<ParamName, number> = { conv1w: 1, conv1b: 1, conv2w: 4, conv2b: 4, fc1w: 7, fc1b: 7, fc2w: 9, fc2b: 9 };

function forEachWeight(name: ParamName, fn: (flatIndex: number, filter: number, volIndex: number) => void): void {
  if (name === 'conv1w' || name === 'conv2w') {
    const I = name === 'conv1w' ? 1 : 4;
    const O = name === 'conv1w' ? 4 : 6;
    // PyTorch [o][i][r][c] → filters[o].w[((5*r)+c)*I + i]
    for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) {
      fn(((o * I + i) * 5 + r) * 5 + c, o, (5 * r + c) * I + i);
    }
  } else if (name === 'fc1w') {
    // ConvNetJS's fc input is the 4×4×6 Vol flattened ((4*r)+c)*6 + m; PyTorch's is m*16 + r*4 + c.
    for (let j = 0; j < 50; j++) for (let m = 0; m < 6; m++) for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) {
      fn(j * 96 + m * 16 + r * 4 + c, j, (4 * r + c) * 6 + m);
    }
  } else if (name === 'fc2w') {
    for (let k = 0; k < 10; k++) for (let j = 0; j < 50; j++) fn(k * 50 + j, k, j);
  } else {
    const n = { conv1b: 4, conv2b: 6, fc1b: 50, fc2b: 10 }[name];
    for (let i = 0; i < n; i++) fn(i, -1, i); // biases Vol(1,1,n)
  }
}

export function flatToConvnetjs(flat: ArrayLike<number>, net: Net): void {
  checkFlat(flat);
  const f = Float32Array.from(flat);
  for (const name of PARAM_NAMES) {
    const layer = net.layers[LAYER_OF[name]]!;
    const src = slice(f, name);
    forEachWeight(name, (k, filter, v) => {
      if (filter < 0) layer.biases!.w[v] = src[k]!;
      else layer.filters![filter]!.w[v] = src[k]!;
    });
  }
}

export function convnetjsToFlat(net: Net): Float32Array {
  const flat = new Float32Array(PARAM_COUNT);
  for (const name of PARAM_NAMES) {
    const layer = net.layers[LAYER_OF[name]]!;
    const dst = slice(flat, name);
    forEachWeight(name, (k, filter, v) => {
      dst[k] = filter < 0 ? layer.biases!.w[v]! : layer.filters![filter]!.w[v]!;
    });
  }
  return flat;
}

export async function createConvnetjsPeer(flatWeights: Float32Array, opts: { lr: number; batch?: number }): Promise<TrainablePeer> {
  checkFlat(flatWeights);
  if ((opts.batch ?? 1) !== 1) throw new Error('the ConvNetJS peer trains per sample (batch 1) only');
  if (!(opts.lr > 0)) throw new Error(`bad lr ${opts.lr}`);
  const net = makeConvnetjsNet();
  flatToConvnetjs(flatWeights, net);
  const trainer = new convnetjs.SGDTrainer(net, { method: 'sgd', learning_rate: opts.lr, momentum: 0, batch_size: 1, l1_decay: 0, l2_decay: 0 });
  const x = new convnetjs.Vol(28, 28, 1, 0.0); // x = column, y = row: w[28*row + col]
  return {
    name: 'convnetjs',
    batch: 1,
    paramCount: () => net.getParamsAndGrads().reduce((s: number, pg: { params: Float64Array }) => s + pg.params.length, 0),
    async trainSamples(images, labels, indices) {
      const w = x.w;
      for (let n = 0; n < indices.length; n++) {
        const idx = indices[n]!;
        const base = idx * 784;
        for (let i = 0; i < 784; i++) w[i] = images[base + i]! / 255;
        trainer.train(x, labels[idx]!);
      }
    },
    predict(image784) {
      const v = new convnetjs.Vol(28, 28, 1, 0.0);
      v.w.set(image784);
      return Float32Array.from(net.forward(v, false).w);
    },
    getFlatWeights: () => convnetjsToFlat(net),
    dispose() {},
  };
}
