// The training controls: start, pause, step, reset, and the settings (λ, batch,
// epochs, f, pooling, training-set size, seed, data augmentation, speed: ui/setting-fields.ts). Each
// setting is checked as it is changed; a bad value is explained next to its field
// and not sent.
import type { TrainSettings } from '../worker/protocol';
import { h } from './dom';
import { SettingFields } from './setting-fields';

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

export class Controls {
  readonly element: HTMLElement;
  private readonly buttons: Record<'start' | 'pause' | 'step' | 'reset', HTMLButtonElement>;
  private readonly fields: SettingFields;
  /**
   * Start / Pause in one button, for the status line at the top of the page (on a
   * phone the Training panel is screens below the line that says "press Start").
   */
  readonly quick: HTMLButtonElement;
  private running = false;

  constructor(container: HTMLElement, settings: TrainSettings, handlers: ControlsHandlers) {
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

    this.fields = new SettingFields(settings, { idPrefix: 'field-', change: (next, key) => handlers.change(next, key) });

    const note = h(
      'p',
      { class: 'app-note' },
      h('span', { class: 'app-new-mark', 'aria-hidden': 'true' }, '●'),
      ' Changing these builds a new network; the others apply at once. Slow speeds let you watch the kernels change.',
    );
    this.element = h('div', { class: 'app-controls' }, buttons, this.fields.element, note);
    container.append(this.element);
    this.setSettings(settings);
    this.setState('starting', false);
  }

  /** Shows these settings (after a hash change, a "halve λ" or a restart). */
  setSettings(settings: TrainSettings): void {
    this.fields.set(settings);
  }

  get current(): TrainSettings {
    return this.fields.current;
  }

  /** Enables what makes sense now (`loading`: MNIST's training set is on its way after a Start or Step). */
  setState(state: PageState, loading: boolean): void {
    const alive = state !== 'starting' && state !== 'crashed' && state !== 'fatal';
    const canTrain = alive && !loading && state !== 'diverged' && state !== 'done';
    this.buttons.start.disabled = !canTrain || state === 'running';
    this.buttons.pause.disabled = state !== 'running' && !(loading && alive); // while MNIST loads for a Start: cancels it
    this.buttons.step.disabled = !canTrain;
    this.buttons.reset.disabled = !alive;
    this.fields.disabled = !alive;
    this.buttons.start.textContent = state === 'paused' ? 'Continue' : 'Start';
    this.running = state === 'running';
    this.quick.disabled = this.running ? false : this.buttons.start.disabled;
    this.quick.textContent = this.running ? 'Pause training' : state === 'paused' ? 'Continue training' : 'Start training';
    this.quick.classList.toggle('app-button-primary', !this.running);
  }
}
