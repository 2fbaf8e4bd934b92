// The teaching requests' work on one model, pure (no worker globals, no session
// state): the backprop trace of one sample, the live gradient check and "teach it
// your digit" (a few SGD steps on one image). Session (session.ts) picks the model
// and sends the replies.
import type { CnnModel } from '../core/cnnlab';
import { LIMITS, rangeText, within } from '../core/limits';
import type { ParamName, ParamTensorInfo, Tensor, TraceResult } from '../core/types';
import type { BackpropTrace, ModelChoice, TeachResult } from './protocol';

/** The flat parameters (getParams order) as named tensors, cut by the core's parameter table. */
export function splitParams(flat: Float32Array, table: readonly ParamTensorInfo[]): Record<ParamName, Tensor> {
  const out = {} as Record<ParamName, Tensor>;
  for (const t of table) out[t.name] = { shape: [...t.shape], data: flat.slice(t.offset, t.offset + t.size) };
  const last = table[table.length - 1];
  if (!last || last.offset + last.size !== flat.length)
    throw new Error(`expected ${last ? last.offset + last.size : 0} parameters, got ${flat.length}`);
  return out;
}

export function backpropTrace(
  t: TraceResult,
  kind: 'step' | 'trace',
  choice: ModelChoice,
  label: number,
  params: Record<ParamName, Tensor>,
  where: { index: number; samplesSeen: number },
): BackpropTrace {
  return { ...t, kind, model: choice, label, params, index: where.index, samplesSeen: where.samplesSeen };
}

/** Forward and backward for one image and label; the parameters do not change. */
export function traceSample(model: CnnModel, image: Float32Array, label: number, choice: ModelChoice): BackpropTrace {
  const t = model.trace(image, label);
  return backpropTrace(t, 'trace', choice, label, t.params, { index: -1, samplesSeen: 0 });
}

function checkSteps(steps: number, learningRate: number): void {
  if (!within(LIMITS.teachSteps, steps)) throw new Error(`${rangeText(LIMITS.teachSteps, 'Steps')} Got ${steps}.`);
  if (!within(LIMITS.teachLearningRate, learningRate))
    throw new Error(`${rangeText(LIMITS.teachLearningRate, 'λ')} Got ${learningRate}.`);
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
