// The live gradient check, per layer: the largest relative error between central
// finite differences and backprop's Δθ, with a verdict in plain words, and where
// ReLU has no derivative (a kink), why finite differences cannot agree there.
import type { Activation, GradCheckGroup } from '../core/types';
import { h } from './dom';
import { sci, tex } from './teaching-parts';

export const GRADCHECK_THRESHOLD = 1e-2;

/** The handout's symbol of a parameter group. */
export const GROUP_SYMBOL: Record<string, string> = {
  'conv1.weight': 'K^1',
  'conv1.bias': 'b^1',
  'conv2.weight': 'K^2',
  'conv2.bias': 'b^2',
  'fc1.weight': 'W_1',
  'fc1.bias': 'b_1',
  'fc2.weight': 'W_2',
  'fc2.bias': 'b_2',
};

export function verdict(g: GradCheckGroup, threshold = GRADCHECK_THRESHOLD): string {
  const e = sci(g.maxRelativeError);
  const t = sci(threshold);
  if (!(g.maxRelativeError < threshold)) return `disagrees: the largest relative error ${e} is above ${t}`;
  const far = g.maxRelativeError < threshold / 100;
  return `agrees: the largest relative error ${e} is ${far ? 'far ' : ''}below ${t}`;
}

export class GradcheckView {
  readonly element: HTMLElement;

  constructor(container: HTMLElement) {
    this.element = h('div', { class: 'gc', 'aria-live': 'polite' });
    container.append(this.element);
  }

  message(text: string): void {
    this.element.replaceChildren(h('p', { class: 'gc-note' }, text));
  }

  render(groups: GradCheckGroup[], activation: Activation, what: string): void {
    const rows = groups.map((g) => {
      const ok = g.maxRelativeError < GRADCHECK_THRESHOLD;
      return h(
        'tr',
        { testid: `gradcheck-${g.name}`, 'data-max-rel': String(g.maxRelativeError), 'data-kinks': String(g.kinkProbes), class: ok ? 'gc-ok' : 'gc-bad' },
        h('th', { scope: 'row' }, tex(`\\Delta ${GROUP_SYMBOL[g.name] ?? g.name}`), h('span', { class: 'gc-name' }, g.name)),
        h('td', {}, String(g.probes)),
        h('td', { class: 'gc-num' }, sci(g.maxRelativeError)),
        h('td', {}, h('span', { class: 'gc-mark', 'aria-hidden': 'true' }, ok ? '✓' : '✗'), ' ', verdict(g), g.kinkProbes > 0 ? ` (${g.kinkProbes} probe${g.kinkProbes === 1 ? '' : 's'} at a kink left out, see below)` : ''),
      );
    });
    const kinks = groups.filter((g) => g.kinkProbes > 0);
    const nearKinks = activation === 'relu' ? groups.filter((g) => g.kinkProbes === 0 && !(g.maxRelativeError < GRADCHECK_THRESHOLD)) : [];
    const table = h(
      'table',
      { class: 'gc-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Layer'), h('th', { scope: 'col' }, 'Probes'), h('th', { scope: 'col' }, 'Largest relative error'), h('th', { scope: 'col' }, 'Verdict'))),
      h('tbody', {}, ...rows),
    );
    const how = h(
      'p',
      { class: 'gc-note' },
      `For a few parameters θ of each layer (${what}): the slope of the loss measured by nudging θ both ways, `,
      tex('\\frac{L(\\theta+\\varepsilon) - L(\\theta-\\varepsilon)}{2\\varepsilon}'),
      ' with ε = 10⁻⁴ (the loss computed in double precision, so the nudge is not lost in rounding), against backprop’s Δθ. ',
      'Relative error = |difference| / max(|finite difference| + |backprop|, 10⁻⁴).',
    );
    const out: Node[] = [how, table];
    if (kinks.length > 0) {
      out.push(
        h(
          'p',
          { class: 'gc-kink', testid: 'gradcheck-kinks' },
          h('strong', {}, 'Why some probes were left out: '),
          `${kinks.map((g) => g.name).join(', ')} had probes where nudging θ by ±ε flips a ${activation === 'relu' ? 'ReLU' : 'max-pooling'} input across 0 (a kink). `,
          'MNIST digits have a blank border, so there the pre-activation C¹ is exactly b¹ — the same value on every blank pixel — and ReLU has no derivative at 0: its slope is 0 on one side and 1 on the other. ',
          'Backprop uses ReLU′(0) = 0, as the major libraries do, while a finite difference averages the two sides, so the two cannot agree at such a point. ',
          'This is not a bug; it is reading 1 of the handout notes. Away from kinks they agree.',
        ),
      );
    }
    if (nearKinks.length > 0) {
      out.push(
        h(
          'p',
          { class: 'gc-kink', testid: 'gradcheck-near-kinks' },
          h('strong', {}, `Why ${nearKinks.map((g) => g.name).join(', ')} disagree${nearKinks.length === 1 ? 's' : ''} here: `),
          'with ReLU, some pre-activations sit very close to 0 — on the blank border C¹ = b¹, so a bias near 0 puts hundreds of them next to the kink at once. ',
          'The loss then bends sharply within the nudge ±ε, and a finite difference measures an average slope over the bend rather than the derivative backprop computes. ',
          'Try another sample, or f = tanh, where f has a derivative everywhere: the check then agrees for every layer.',
        ),
      );
    }
    this.element.replaceChildren(...out);
  }
}
