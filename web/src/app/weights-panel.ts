// The "Weights files" panel: the networks' weights out of the page (a download, JSON
// or binary, README "Weights files") and into it (a file picker or a file dropped on
// the panel), as the network being trained or as the draw pad's network. The worker
// reads and checks the file (worker/session.ts importWeights); a file that is too
// large is refused here before it is read. A bad file changes nothing: the message
// says so.
import { LIMITS, weightsFileLimitText } from '../core/limits';
import { errorText } from '../core/util';
import type { NetworkConfig } from '../core/types';
import type { ModelChoice, WeightsFormat } from '../worker/protocol';
import { h } from '../ui/dom';
import { formatCount } from '../ui/format';
import type { Ask, ReplyMap } from './worker-client';

export interface WeightsPanelPort {
  request<A extends Ask>(ask: A, timeoutMs?: number): Promise<ReplyMap[A['type']]>;
  /** The worker answers requests now. */
  ready(): boolean;
  /** A file was loaded into `model` (the page refreshes its predictions, its notes, and keeps the file for a restarted worker). */
  loaded(model: ModelChoice, file: File, config: NetworkConfig): void;
}

const TARGETS: Record<ModelChoice, string> = {
  training: 'the network being trained',
  pretrained: 'the draw pad’s network (in place of the pretrained weights)',
};

function describeConfig(c: NetworkConfig, paramCount: number): string {
  const maps = c.maps1 === 4 && c.maps2 === 6 && c.hidden === 50 ? '' : `, maps ${c.maps1}/${c.maps2}, hidden ${c.hidden}`;
  return `f = ${c.activation}, ${c.pooling} pooling${maps}, ${formatCount(paramCount)} parameters`;
}

export class WeightsPanel {
  private readonly note: HTMLElement;
  private readonly zone: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly target: Record<ModelChoice, HTMLInputElement>;
  private busy = false;

  constructor(host: HTMLElement, private readonly port: WeightsPanelPort) {
    const download = (model: ModelChoice, format: WeightsFormat, label: string) => {
      const b = h('button', { type: 'button', class: 'app-button', testid: `download-${model}-${format}` }, label);
      b.setAttribute('aria-label', `Download ${TARGETS[model].replace(/ \(.*\)$/, '')} as ${format === 'json' ? 'JSON' : 'binary'}`);
      b.addEventListener('click', () => void this.download(model, format));
      return b;
    };
    const row = (title: string, model: ModelChoice) =>
      h('div', { class: 'app-weights-row' }, h('span', { class: 'app-weights-what' }, title), download(model, 'json', 'JSON'), download(model, 'binary', 'Binary'));

    this.input = h('input', { type: 'file', accept: '.json,.bin,application/json,application/octet-stream', id: 'weights-file', testid: 'weights-file', class: 'app-weights-input' });
    this.input.addEventListener('change', () => {
      const file = this.input.files?.[0];
      if (file) void this.load(file);
      this.input.value = ''; // the same file chosen again loads again
    });
    const radio = (model: ModelChoice, label: string) => {
      const input = h('input', { type: 'radio', name: 'weights-target', value: model, testid: `weights-into-${model}` });
      return { input, label: h('label', { class: 'app-switch-option' }, input, h('span', {}, label)) };
    };
    const intoPretrained = radio('pretrained', 'the draw pad’s network');
    const intoTraining = radio('training', 'the network being trained');
    intoPretrained.input.checked = true;
    this.target = { pretrained: intoPretrained.input, training: intoTraining.input };
    this.note = h('p', { class: 'app-note app-weights-note', testid: 'weights-note', role: 'status', 'aria-live': 'polite' });
    this.zone = h(
      'div',
      { class: 'app-weights-drop', testid: 'weights-drop' },
      h('label', { for: 'weights-file', class: 'app-weights-pick' }, 'Load a weights file'),
      this.input,
      h('span', { class: 'app-muted' }, `or drop a .json or .bin file here; at most ${weightsFileLimitText()}`),
    );
    host.append(
      h('h3', { class: 'app-h3' }, 'Download'),
      row('The network being trained', 'training'),
      row('The draw pad’s network', 'pretrained'),
      h('h3', { class: 'app-h3' }, 'Load'),
      h('fieldset', { class: 'app-switch' }, h('legend', {}, 'Into'), intoPretrained.label, intoTraining.label),
      this.zone,
      this.note,
    );
    // Drag and drop: anywhere on the panel.
    const panel = host.closest('section') ?? host;
    panel.addEventListener('dragover', (e) => {
      const event = e as DragEvent;
      if (!event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
      this.zone.classList.add('app-weights-over');
    });
    panel.addEventListener('dragleave', () => this.zone.classList.remove('app-weights-over'));
    panel.addEventListener('drop', (e) => {
      const event = e as DragEvent;
      this.zone.classList.remove('app-weights-over');
      const files = event.dataTransfer?.files;
      if (!files || files.length === 0) return;
      event.preventDefault();
      if (files.length > 1) {
        this.say(`${files.length} files were dropped: drop one weights file at a time. Nothing was loaded.`, true);
        return;
      }
      void this.load(files[0]!);
    });
  }

  private say(text: string, error = false): void {
    this.note.textContent = text;
    this.note.classList.toggle('app-note-warning', error);
  }

  private chosenTarget(): ModelChoice {
    return this.target.training.checked ? 'training' : 'pretrained';
  }

  private async download(model: ModelChoice, format: WeightsFormat): Promise<void> {
    if (!this.port.ready()) {
      this.say('The network is not loaded yet: try again in a moment.', true);
      return;
    }
    try {
      const r = await this.port.request({ type: 'export-weights', model, format });
      const base = r.model === 'training' ? `cnnlab-trained-${r.samplesSeen}-samples` : 'cnnlab-draw-pad';
      const name = `${base}.${format === 'json' ? 'json' : 'bin'}`;
      const type = format === 'json' ? 'application/json' : 'application/octet-stream';
      const url = URL.createObjectURL(new Blob([r.bytes as Uint8Array<ArrayBuffer>], { type }));
      const a = h('a', { href: url, download: name });
      a.hidden = true;
      this.note.after(a); // in the document: some browsers ignore a click on a detached link
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      this.say(`Saved ${name} (${formatCount(r.bytes.length)} bytes): ${TARGETS[r.model].replace(/ \(.*\)$/, '')}.`);
    } catch (error) {
      this.say(`Nothing was saved: ${errorText(error)}.`, true);
    }
  }

  /** Reads a file and hands it to the worker; the answer (or why not) goes in the note. */
  async load(file: File): Promise<void> {
    if (this.busy) return;
    const target = this.chosenTarget();
    const unchanged = `Nothing was loaded: ${TARGETS[target].replace(/ \(.*\)$/, '')} is unchanged.`;
    if (file.size > LIMITS.weightsFileBytes.max) {
      // Refused before reading: a huge file never goes into memory.
      this.say(`${file.name} has ${formatCount(file.size)} bytes; a weights file has at most ${weightsFileLimitText()}. ${unchanged}`, true);
      return;
    }
    if (!this.port.ready()) {
      this.say('The network is not loaded yet: try again in a moment.', true);
      return;
    }
    this.busy = true;
    this.say(`Reading ${file.name}…`);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const r = await this.port.request({ type: 'import-weights', model: target, name: file.name, bytes });
      this.say(`Loaded ${file.name} (${r.format === 'json' ? 'JSON' : 'binary'}: ${describeConfig(r.config, r.paramCount)}) into ${TARGETS[r.model]}.`);
      this.port.loaded(r.model, file, r.config);
    } catch (error) {
      this.say(`${file.name} is not a usable weights file: ${errorText(error)}. ${unchanged}`, true);
    } finally {
      this.busy = false;
    }
  }
}
