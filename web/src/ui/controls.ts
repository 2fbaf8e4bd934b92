// The training controls: start, pause, step, reset, and the settings (λ, batch,
// epochs, f, pooling, training-set size, seed, data augmentation). Each setting is checked as it is
// changed; a bad value is explained next to its field and not sent.
import { LIMITS } from '../core/limits';
import { ACTIVATIONS, POOLINGS } from '../core/types';
import { AUGMENT_AMOUNTS, BATCH_SIZES, RESET_KEYS, SETTING_CHECKS, SPEEDS, TRAIN_SIZES, type TrainSettings } from '../worker/protocol';
import { h, sub } from './dom';
import { formatCount } from './format';

/** What the page is doing, as the controls see it. */
export type PageState = 'starting' | 'idle' | 'running' | 'paused' | 'done' | 'diverged' | 'crashed' | 'fatal';

export interface ControlsHandlers {
  start(): void;
  pause(): void;
  step(): void;
  reset(): void;
  /** A setting changed to a valid value. */
  change(settings: TrainSettings, key: keyof TrainSettings): void;
}

const ACTIVATION_LABELS: Record<string, string> = { relu: 'ReLU', tanh: 'tanh', sigmoid: 'sigmoid' };
const POOLING_LABELS: Record<string, string> = { average: 'average', max: 'max' };

type Field = HTMLInputElement | HTMLSelectElement;

export class Controls {
  readonly element: HTMLElement;
  private settings: TrainSettings;
  private readonly buttons: Record<'start' | 'pause' | 'step' | 'reset', HTMLButtonElement>;
  private readonly fields = new Map<keyof TrainSettings, { field: Field; error: HTMLElement }>();
  /**
   * Start / Pause in one button, for the status line at the top of the page (on a
   * phone the Training panel is screens below the line that says "press Start").
   */
  readonly quick: HTMLButtonElement;
  private running = false;

  constructor(container: HTMLElement, settings: TrainSettings, private readonly handlers: ControlsHandlers) {
    this.settings = { ...settings };
    const button = (name: 'start' | 'pause' | 'step' | 'reset', label: string, title: string, cls: string) =>
      h('button', { type: 'button', class: `app-button ${cls}`, testid: name, title }, label);
    this.buttons = {
      start: button('start', 'Start', 'Train continuously', 'app-button-primary'),
      pause: button('pause', 'Pause', 'Stop after the current slice', ''),
      step: button('step', 'Step', 'Train on one sample, then stop', ''),
      reset: button('reset', 'Reset', 'A new network with the current settings', ''),
    };
    this.buttons.start.addEventListener('click', () => handlers.start());
    this.buttons.pause.addEventListener('click', () => handlers.pause());
    this.buttons.step.addEventListener('click', () => handlers.step());
    this.buttons.reset.addEventListener('click', () => handlers.reset());
    this.quick = h('button', { type: 'button', class: 'app-button app-button-primary app-quick', testid: 'status-start' }, 'Start training');
    this.quick.addEventListener('click', () => (this.running ? handlers.pause() : handlers.start()));
    const buttons = h('div', { class: 'app-buttons', role: 'group', 'aria-label': 'Training' }, ...Object.values(this.buttons));

    const lr = h('input', { type: 'number', inputmode: 'decimal', step: 'any', min: String(LIMITS.learningRate.min), max: String(LIMITS.learningRate.max), testid: 'lr' });
    const batch = h('select', { testid: 'batch' }, ...BATCH_SIZES.map((b) => h('option', { value: String(b) }, b === 1 ? '1 (handout)' : String(b))));
    const epochs = h('input', { type: 'number', inputmode: 'numeric', step: '1', min: String(LIMITS.epochs.min), max: String(LIMITS.epochs.max), testid: 'epochs' });
    const activation = h('select', { testid: 'activation' }, ...ACTIVATIONS.map((a) => h('option', { value: a }, ACTIVATION_LABELS[a] ?? a)));
    const pooling = h('select', { testid: 'pooling' }, ...POOLINGS.map((p) => h('option', { value: p }, POOLING_LABELS[p] ?? p)));
    const trainSize = h('select', { testid: 'train-size' }, ...TRAIN_SIZES.map((n) => h('option', { value: String(n) }, formatCount(n))));
    const seed = h('input', { type: 'number', inputmode: 'numeric', step: '1', min: String(LIMITS.seed.min), max: String(LIMITS.seed.max), testid: 'seed' });
    const speed = h('select', { testid: 'speed' }, ...SPEEDS.map((n) => h('option', { value: String(n) }, n === 0 ? 'full' : `${formatCount(n)}/s`)));
    // The core's presets (limits.json): off, mild, strong.
    const augment = h('select', { testid: 'augment' }, ...AUGMENT_AMOUNTS.map((a) => h('option', { value: a }, a)));

    const grid = h('div', { class: 'app-fields' });
    const add = (key: keyof TrainSettings, field: Field, label: (string | Node)[]) => {
      const id = `field-${key}`;
      field.id = id;
      const error = h('p', { class: 'app-field-error', id: `${id}-error`, role: 'alert' });
      field.setAttribute('aria-describedby', error.id);
      const labelEl = h('label', { for: id, class: 'app-field-label' }, ...label);
      grid.append(h('div', { class: `app-field${(RESET_KEYS as readonly string[]).includes(key) ? ' app-field-new' : ''}` }, labelEl, field, error));
      this.fields.set(key, { field, error });
      field.addEventListener('change', () => {
        const result = SETTING_CHECKS[key](field.value);
        if (!result.ok) {
          error.textContent = result.message;
          field.setAttribute('aria-invalid', 'true');
          return;
        }
        error.textContent = '';
        field.removeAttribute('aria-invalid');
        if (result.value === this.settings[key]) return;
        const next = { ...this.settings, [key]: result.value };
        this.settings = next;
        handlers.change(next, key);
      });
    };
    add('learningRate', lr, ['Learning rate ', h('var', { text: 'λ' })]);
    add('batchSize', batch, ['Batch size']);
    add('epochs', epochs, ['Epochs']);
    add('activation', activation, ['Activation ', h('var', { text: 'f' })]);
    add('pooling', pooling, ['Pooling ', h('span', { class: 'app-muted' }, 'C', sub('P'))]);
    add('trainSize', trainSize, ['Training set']);
    add('seed', seed, ['Seed']);
    add('augment', augment, ['Data augmentation']);
    add('speed', speed, ['Speed']);

    const note = h(
      'p',
      { class: 'app-note' },
      h('span', { class: 'app-new-mark', 'aria-hidden': 'true' }, '●'),
      ' Changing these builds a new network; the others apply at once. Slow speeds let you watch the kernels change.',
    );
    this.element = h('div', { class: 'app-controls' }, buttons, grid, note);
    container.append(this.element);
    this.setSettings(settings);
    this.setState('starting', false);
  }

  /** Shows these settings (after a hash change, a "halve λ" or a restart). */
  setSettings(settings: TrainSettings): void {
    this.settings = { ...settings };
    for (const [key, { field, error }] of this.fields) {
      const value = String(settings[key]);
      // A link or an embed may ask for a value the menu does not list (e.g. 2,000 training images).
      if (field instanceof HTMLSelectElement && ![...field.options].some((o) => o.value === value)) {
        field.append(h('option', { value }, key === 'trainSize' ? formatCount(Number(value)) : value));
      }
      field.value = value;
      error.textContent = '';
      field.removeAttribute('aria-invalid');
    }
  }

  get current(): TrainSettings {
    return { ...this.settings };
  }

  /** Enables what makes sense now (`loading`: MNIST's training set is on its way after a Start or Step). */
  setState(state: PageState, loading: boolean): void {
    const alive = state !== 'starting' && state !== 'crashed' && state !== 'fatal';
    const canTrain = alive && !loading && state !== 'diverged' && state !== 'done';
    this.buttons.start.disabled = !canTrain || state === 'running';
    this.buttons.pause.disabled = state !== 'running' && !(loading && alive); // while MNIST loads for a Start: cancels it
    this.buttons.step.disabled = !canTrain;
    this.buttons.reset.disabled = !alive;
    for (const { field } of this.fields.values()) field.disabled = !alive;
    this.buttons.start.textContent = state === 'paused' ? 'Continue' : 'Start';
    this.running = state === 'running';
    this.quick.disabled = this.running ? false : this.buttons.start.disabled;
    this.quick.textContent = this.running ? 'Pause training' : state === 'paused' ? 'Continue training' : 'Start training';
    this.quick.classList.toggle('app-button-primary', !this.running);
  }
}
