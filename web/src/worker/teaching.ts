// The teaching requests' work on one model, pure (no worker globals, no session
// state): the backprop trace of one sample, the live gradient check and "teach it
// your digit" (a few SGD steps on one image). Session (session.ts) picks the model
// and sends the replies.
import type { CnnModel } from '../core/cnnlab';
import { PARAM_NAMES, type ParamName, type Tensor, type TraceResult } from '../core/types';
import type { BackpropTrace, ModelChoice, TeachResult } from './protocol';

export const MAX_TEACH_STEPS = 100;
export const MAX_PROBES = 50;

/** The flat parameters (getParams order: PARAM_NAMES, each row-major) as named tensors shaped like `like`. */
export function splitParams(flat: Float32Array, like: Record<ParamName, Tensor>): Record<ParamName, Tensor> {
  const out = {} as Record<ParamName, Tensor>;
  let offset = 0;
  for (const name of PARAM_NAMES) {
    const shape = like[name].shape;
    const size = shape.reduce((a, b) => a * b, 1);
    out[name] = { shape: [...shape], data: flat.slice(offset, offset + size) };
    offset += size;
  }
  if (offset !== flat.length) throw new Error(`expected ${offset} parameters, got ${flat.length}`);
  return out;
}

/** The label of a pass: Y is one-hot, so δ = S − Y is negative at the label only. */
export function labelOf(deltaOut: Float32Array): number {
  let best = 0;
  for (let i = 1; i < deltaOut.length; i++) if (deltaOut[i]! < deltaOut[best]!) best = i;
  return best;
}

export function backpropTrace(
  model: CnnModel,
  t: TraceResult,
  kind: 'step' | 'trace',
  choice: ModelChoice,
  label: number,
  params: Record<ParamName, Tensor>,
  samplesSeen: number,
): BackpropTrace {
  const c = model.config;
  return {
    kind,
    model: choice,
    activation: c.activation,
    pooling: c.pooling,
    label,
    loss: t.loss,
    input: t.input,
    forward: t.forward,
    deltas: t.deltas,
    grads: t.grads,
    params,
    samplesSeen,
  };
}

/** Forward and backward for one image and label; the parameters do not change. */
export function traceSample(model: CnnModel, image: Float32Array, label: number, choice: ModelChoice): BackpropTrace {
  const t = model.trace(image, label);
  return backpropTrace(model, t, 'trace', choice, label, t.params, 0);
}

function checkSteps(steps: number, learningRate: number): void {
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_TEACH_STEPS)
    throw new Error(`steps must be an integer from 1 to ${MAX_TEACH_STEPS}, got ${steps}`);
  if (!(Number.isFinite(learningRate) && learningRate > 0 && learningRate <= 10))
    throw new Error(`λ must be a number > 0 and ≤ 10, got ${learningRate}`);
}

/**
 * `steps` SGD steps θ ← θ − λ·Δθ on one image and label (handout p. 6). If a step
 * would make a parameter non-finite the model is put back as it was and an Error
 * says so.
 */
export function teach(
  model: CnnModel,
  image: Float32Array,
  label: number,
  steps: number,
  learningRate: number,
  choice: ModelChoice,
): TeachResult {
  checkSteps(steps, learningRate);
  const saved = model.getParams();
  const before = model.predict(image);
  const p0 = model.tensors().params;
  const losses = new Float32Array(steps);
  for (let k = 0; k < steps; k++) {
    const loss = model.step(image, label, learningRate);
    if (!Number.isFinite(loss)) {
      model.setParams(saved);
      throw new Error(`step ${k + 1} was refused (the loss or a parameter is not finite): lower λ`);
    }
    losses[k] = loss;
  }
  const after = model.predict(image);
  const p1 = model.tensors().params;
  return {
    model: choice,
    label,
    steps,
    learningRate,
    before,
    after,
    losses,
    k1Before: p0['conv1.weight'],
    k1After: p1['conv1.weight'],
    k2Before: p0['conv2.weight'],
    k2After: p1['conv2.weight'],
  };
}

export function checkProbes(probes: number): number {
  if (!Number.isInteger(probes) || probes < 1 || probes > MAX_PROBES)
    throw new Error(`probes per group must be an integer from 1 to ${MAX_PROBES}, got ${probes}`);
  return probes;
}
