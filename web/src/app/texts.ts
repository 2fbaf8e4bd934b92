// Words that depend on what the page shows: a status line or a hint only names a
// control or a panel that is there (an embed may show a single panel). Pure.
import type { Panel } from './settings';

/** The panels shown. */
export type Shown = ReadonlySet<Panel>;

export function shownPanels(hidden: readonly Panel[], all: readonly Panel[]): Shown {
  return new Set(all.filter((p) => !hidden.includes(p)));
}

/** What someone can do first, for the status line once the worker is ready. */
export function readyText(shown: Shown): string {
  const actions: string[] = [];
  if (shown.has('training')) actions.push('press Start to train the network');
  if (shown.has('draw')) actions.push('draw a digit');
  else if (shown.has('network')) actions.push('choose a test image in “Inside the network”');
  if (shown.has('backprop') && !shown.has('training')) actions.push('press “Step one sample” to watch backprop');
  if (shown.has('test') && actions.length === 0) actions.push('evaluate a network on the 10,000 test images');
  if (shown.has('compare') && !shown.has('training')) actions.push('compare settings side by side in “Compare runs”');
  if (actions.length === 0) return 'Ready.';
  return `Ready: ${actions.slice(0, 2).join(', or ')}.`;
}

/** Where the backprop panel takes its input from, for the "without training" button's hint (null: no input panel). */
export function backpropSourceHint(shown: Shown): string | null {
  if (shown.has('network')) return shown.has('draw') ? 'for the input of “Inside the network”; the label Y of a drawing:' : 'for the test image of “Inside the network”';
  if (shown.has('draw')) return 'for your drawing; its label Y:';
  return null;
}

/** What to do when the backprop panel has no input yet. */
export function backpropNoInput(shown: Shown): string {
  if (shown.has('draw') && shown.has('network')) return 'Draw a digit first (or choose a test image in “Inside the network”).';
  if (shown.has('draw')) return 'Draw a digit first.';
  return 'Choose a test image in “Inside the network” first.';
}

/** The caption of "Inside the network" before any input. */
export function networkEmptyCaption(shown: Shown): string {
  return shown.has('draw') ? 'Draw a digit, or choose a test image.' : 'Choose a test image.';
}

/** What "Why this answer?" asks for before it has an input. */
export function whyEmptyText(shown: Shown): string {
  const inputs: string[] = [];
  if (shown.has('draw')) inputs.push('Draw a digit');
  if (shown.has('network')) inputs.push(`${inputs.length ? 'or choose' : 'Choose'} a test image in “Inside the network”`);
  if (shown.has('test')) inputs.push(`${inputs.length ? 'or click' : 'Click'} a test image among the mistakes`);
  if (inputs.length === 0) return 'Nothing to explain yet: this view follows a drawing or a test image.';
  return `${inputs.join(', ')} to see why the network answers as it does.`;
}

/**
 * What to do when MNIST does not load. The full page is a developer's checkout
 * (`npm run prepare:data`); an element or a frame is served by a teacher's host.
 */
export function dataFix(where: 'page' | 'embed', sessionFix: string, shown: Shown): string {
  const drawing = shown.has('draw') ? ' Drawing with the pretrained weights still works meanwhile.' : '';
  if (where === 'page') return sessionFix.replace(/ Drawing with the pretrained weights still works meanwhile\.$/, drawing);
  const retry = shown.has('training') ? ' Press Start again to retry.' : ' Then try again.';
  return (
    'The site that serves cnn-lab.js must also serve data/mnist/*.gz next to it (and send `Access-Control-Allow-Origin` when it is ' +
    `another site than this page).${retry}${drawing}`
  );
}

/** Why a worker whose script never ran did not start, and what the host and the page must do. */
export function workerBlockedText(cnnlabOrigin: string, pageOrigin: string): string {
  const host = cnnlabOrigin === pageOrigin ? 'this site' : cnnlabOrigin;
  return (
    `Its script comes from ${host}. ` +
    (cnnlabOrigin === pageOrigin ? '' : 'That site must send `Access-Control-Allow-Origin` (e.g. `*`), and ') +
    `this page's Content-Security-Policy must allow ${cnnlabOrigin === pageOrigin ? "'self'" : 'it'} in script-src, worker-src (with blob:) and connect-src.`
  );
}

/** What to do when the .wasm does not load. */
export function wasmFix(where: 'page' | 'embed'): string {
  return where === 'page'
    ? 'Reload the page. If it persists, check that the server sends assets/*.wasm (as application/wasm) next to the page.'
    : 'Reload the page. If it persists, the site that serves cnn-lab.js must also serve assets/*.wasm next to it, as application/wasm (with Access-Control-Allow-Origin when it is another site).';
}
