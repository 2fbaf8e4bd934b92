// The fields of a run's settings (λ, batch, epochs, f, pooling, training-set size,
// seed, data augmentation, speed): one table, used by the Training panel's controls and by every card
// of "Compare runs". Each field is checked as it is changed (SETTING_CHECKS: the
// core's limits); a bad value is explained next to it and not passed on.
import { LIMITS } from '../core/limits';
import { ACTIVATIONS, POOLINGS } from '../core/types';
import { AUGMENT_AMOUNTS, BATCH_SIZES, RESET_KEYS, SETTING_CHECKS, SPEEDS, TRAIN_SIZES, type TrainSettings } from '../worker/protocol';
import { h, sub } from './dom';
import { activationName, formatCount } from './format';

type Field = HTMLInputElement | HTMLSelectElement;
type Key = keyof TrainSettings;

interface FieldSpec {
  /** The field's test id (the Training panel's; other users add a prefix). */
  testid: string;
  label(): (string | Node)[];
  make(testid: string): Field;
}

const number = (limit: { min: number; max: number }, step: string, inputmode: string) => (testid: string) =>
  h('input', { type: 'number', inputmode, step, min: String(limit.min), max: String(limit.max), testid });

/** Every setting's field, in the order shown. */
const FIELDS: { [K in Key]: FieldSpec } = {
  learningRate: { testid: 'lr', label: () => ['Learning rate ', h('var', { text: 'λ' })], make: number(LIMITS.learningRate, 'any', 'decimal') },
  batchSize: {
    testid: 'batch',
    label: () => ['Batch size'],
    make: (testid) => h('select', { testid }, ...BATCH_SIZES.map((b) => h('option', { value: String(b) }, b === 1 ? '1 (handout)' : String(b)))),
  },
  epochs: { testid: 'epochs', label: () => ['Epochs'], make: number(LIMITS.epochs, '1', 'numeric') },
  activation: {
    testid: 'activation',
    label: () => ['Activation ', h('var', { text: 'f' })],
    make: (testid) => h('select', { testid }, ...ACTIVATIONS.map((a) => h('option', { value: a }, activationName(a)))),
  },
  pooling: {
    testid: 'pooling',
    label: () => ['Pooling ', h('span', { class: 'app-muted' }, 'C', sub('P'))],
    make: (testid) => h('select', { testid }, ...POOLINGS.map((p) => h('option', { value: p }, p))),
  },
  trainSize: {
    testid: 'train-size',
    label: () => ['Training set'],
    make: (testid) => h('select', { testid }, ...TRAIN_SIZES.map((n) => h('option', { value: String(n) }, formatCount(n)))),
  },
  seed: { testid: 'seed', label: () => ['Seed'], make: number(LIMITS.seed, '1', 'numeric') },
  // The core's presets (limits.json): off, mild, strong.
  augment: {
    testid: 'augment',
    label: () => ['Data augmentation'],
    make: (testid) => h('select', { testid }, ...AUGMENT_AMOUNTS.map((a) => h('option', { value: a }, a))),
  },
  speed: {
    testid: 'speed',
    label: () => ['Speed'],
    make: (testid) => h('select', { testid }, ...SPEEDS.map((n) => h('option', { value: String(n) }, n === 0 ? 'full' : `${formatCount(n)}/s`))),
  },
};

export interface SettingFieldsOptions {
  /** Prefix of the fields' ids (unique in the page or shadow root), e.g. 'field-' → 'field-learningRate'. */
  idPrefix: string;
  /** Prefix of the test ids ('' for the Training panel's 'lr', 'batch', …). */
  testidPrefix?: string;
  /** A setting changed to a valid value. */
  change(settings: TrainSettings, key: Key): void;
}

/** The grid of fields for one run's settings. */
export class SettingFields {
  readonly element: HTMLElement;
  private settings: TrainSettings;
  private readonly fields = new Map<Key, { field: Field; error: HTMLElement }>();

  constructor(settings: TrainSettings, options: SettingFieldsOptions) {
    this.settings = { ...settings };
    this.element = h('div', { class: 'app-fields' });
    for (const key of Object.keys(FIELDS) as Key[]) {
      const spec = FIELDS[key];
      const field = spec.make(`${options.testidPrefix ?? ''}${spec.testid}`);
      const id = `${options.idPrefix}${key}`;
      field.id = id;
      const error = h('p', { class: 'app-field-error', id: `${id}-error`, role: 'alert' });
      field.setAttribute('aria-describedby', error.id);
      const label = h('label', { for: id, class: 'app-field-label' }, ...spec.label());
      this.element.append(h('div', { class: `app-field${(RESET_KEYS as readonly string[]).includes(key) ? ' app-field-new' : ''}` }, label, field, error));
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
        this.settings = { ...this.settings, [key]: result.value };
        options.change({ ...this.settings }, key);
      });
    }
    this.set(settings);
  }

  /** Shows these settings. */
  set(settings: TrainSettings): void {
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

  set disabled(disabled: boolean) {
    for (const { field } of this.fields.values()) if (field.disabled !== disabled) field.disabled = disabled;
  }
}
