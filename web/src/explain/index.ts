// "How was this value computed?" for any value the page shows, forward or backward:
// explain(source, cell) returns the handout's equation for that cell with its
// indices and numbers filled in, the operands, pictures of where they come from,
// and the value recomputed from those operands (a test checks it against the core).
// Pure: no DOM (type-checked with the worker's lib too); ui/explain-view.ts draws it.
import { explainConvBiasGrad, explainDeltaOut, explainDenseBiasGrad, explainFullConv, explainKernelGrad, explainPoolBack, explainTransposed, explainWeightGrad } from './backward';
import { explainConv, explainDense, explainFlatten, explainInput, explainKernel, explainPool, explainSoftmax, explainWeight } from './forward';
import type { BackwardSource, CellRef, ForwardSource, TensorKey } from './tensors';
import type { Explanation } from './types';

export * from './types';
export * from './tensors';
export { texNum, textNum, cellNum } from './numbers';

/** The values "Inside the network" shows, top to bottom (every one can be explained from a forward pass). */
export const FORWARD_KEYS = [
  'input',
  'param:conv1.weight',
  'forward:conv1_pre',
  'forward:conv1',
  'forward:pool1',
  'param:conv2.weight',
  'forward:conv2',
  'forward:pool2',
  'forward:flatten',
  'param:fc1.weight',
  'forward:fc1',
  'param:fc2.weight',
  'forward:logits',
  'forward:probs',
] as const satisfies readonly TensorKey[];

/** The values "Backprop, step by step" shows (they need a backward pass). */
export const BACKWARD_KEYS = [
  'delta:delta_out',
  'grad:fc2.weight',
  'grad:fc2.bias',
  'delta:delta1',
  'grad:fc1.weight',
  'grad:fc1.bias',
  'delta:delta_flatten',
  'delta:delta_conv2',
  'grad:conv2.weight',
  'grad:conv2.bias',
  'delta:delta_pool1',
  'delta:delta_conv1',
  'grad:conv1.weight',
  'grad:conv1.bias',
] as const satisfies readonly TensorKey[];

export type ForwardKey = (typeof FORWARD_KEYS)[number];
export type BackwardKey = (typeof BACKWARD_KEYS)[number];

function isBackward(source: ForwardSource | BackwardSource): source is BackwardSource {
  return 'deltas' in source && 'grads' in source;
}

/** The explanation of one value. Backward values need a trace (deltas, grads, label). */
export function explain(source: ForwardSource | BackwardSource, cell: CellRef): Explanation {
  const { key, index } = cell;
  switch (key) {
    case 'input':
      return explainInput(source, index);
    case 'param:conv1.weight':
    case 'param:conv2.weight':
      return explainKernel(source, key, index);
    case 'forward:conv1_pre':
    case 'forward:conv1':
    case 'forward:conv2_pre':
    case 'forward:conv2':
      return explainConv(source, key, index);
    case 'forward:pool1':
    case 'forward:pool2':
      return explainPool(source, key, index);
    case 'forward:flatten':
      return explainFlatten(source, index);
    case 'param:fc1.weight':
    case 'param:fc2.weight':
      return explainWeight(source, key, index);
    case 'forward:fc1_pre':
    case 'forward:fc1':
    case 'forward:logits':
      return explainDense(source, key, index);
    case 'forward:probs':
      return explainSoftmax(source, index);
    default:
      break;
  }
  if (!isBackward(source)) throw new Error(`${key} needs a backward pass (a trace)`);
  switch (key) {
    case 'delta:delta_out':
      return explainDeltaOut(source, index);
    case 'grad:fc2.weight':
    case 'grad:fc1.weight':
      return explainWeightGrad(source, key, index);
    case 'grad:fc2.bias':
    case 'grad:fc1.bias':
      return explainDenseBiasGrad(source, key, index);
    case 'delta:delta1':
    case 'delta:delta_flatten':
      return explainTransposed(source, key, index);
    case 'delta:delta_conv2':
    case 'delta:delta_conv1':
      return explainPoolBack(source, key, index);
    case 'grad:conv2.weight':
    case 'grad:conv1.weight':
      return explainKernelGrad(source, key, index);
    case 'grad:conv2.bias':
    case 'grad:conv1.bias':
      return explainConvBiasGrad(source, key, index);
    case 'delta:delta_pool1':
      return explainFullConv(source, index);
    default:
      throw new Error(`no explanation for ${key}`);
  }
}
