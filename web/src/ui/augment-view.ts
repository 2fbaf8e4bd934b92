// "What the network trains on": the training image of the sample just trained and
// augmented versions of it, drawn with the run's data augmentation (the core's
// augmentPreview), so a student sees why a network trained on them reads slanted,
// shifted, thicker or thinner digits better. When augmentation is off it says so and
// shows the plain image. The amounts are listed with the core's own words for them
// (CHOICES.augmentFields). MNIST is credited under the pictures.
import { CHOICES } from '../core/limits';
import { MNIST_CREDIT } from '../data/mnist';
import type { AugmentSample } from '../worker/protocol';
import { paintSlice, pixelCanvas, SEQUENTIAL } from './colormap';
import { h } from './dom';
import { formatCount } from './format';

/** "rot=8,scale=0.08,…" → the items, each with the core's meaning of its key. */
export function augmentItems(canonical: string): { text: string; meaning: string }[] {
  if (canonical === 'off') return [];
  return canonical.split(',').map((item) => {
    const [key = '', value = ''] = item.split('=');
    // 'elastic' carries α and, after a colon, σ: its fields are named 'elastic alpha' and 'elastic sigma'.
    const fields = CHOICES.augmentFields.filter((f) => f.name === key || f.name.startsWith(`${key} `));
    const values = value.split(':');
    const meaning = fields
      .map((f, i) => (values[i] === undefined ? '' : `${f.meaning}${f.unit ? ` (${f.unit})` : ''}`))
      .filter(Boolean)
      .join('; ');
    return { text: item, meaning };
  });
}

/** The preset whose canonical text this is ('mild'), or null for another text. */
export function presetName(canonical: string): string | null {
  for (const [name, text] of Object.entries(CHOICES.augmentPresets)) if (text === canonical) return name;
  return null;
}

export class AugmentView {
  readonly element: HTMLElement;
  private readonly caption: HTMLElement;
  private readonly original: HTMLCanvasElement;
  private readonly versions: HTMLCanvasElement[];
  private readonly versionsBox: HTMLElement;
  private readonly amounts: HTMLElement;

  constructor(container: HTMLElement, count: number) {
    this.original = pixelCanvas(28, 28, 2, 'app-aug-canvas');
    this.original.setAttribute('role', 'img');
    this.original.setAttribute('aria-label', 'The training image as stored');
    this.versions = Array.from({ length: count }, (_, j) => {
      const c = pixelCanvas(28, 28, 2, 'app-aug-canvas');
      c.setAttribute('role', 'img');
      c.setAttribute('aria-label', `Augmented version ${j + 1}`);
      return c;
    });
    // A 3×3 grid: the stored image in the centre, the versions around it.
    const cells: HTMLElement[] = this.versions.map((c) => h('div', { class: 'app-aug-cell' }, c));
    cells.splice(Math.min(4, cells.length), 0, h('div', { class: 'app-aug-cell app-aug-stored' }, this.original));
    this.versionsBox = h('div', { class: 'app-aug-grid', testid: 'augment-versions' }, ...cells);
    this.caption = h('p', { class: 'app-aug-caption', testid: 'augment-caption' }, 'The training images appear once MNIST is loaded.');
    this.amounts = h('ul', { class: 'app-aug-amounts', testid: 'augment-amounts' });
    this.versionsBox.hidden = this.amounts.hidden = true; // until there is a sample to show
    this.element = h(
      'section',
      { class: 'app-aug', testid: 'augment-view', 'aria-labelledby': 'h-augment' },
      h('h3', { class: 'app-h3', id: 'h-augment' }, 'What the network trains on'),
      this.versionsBox,
      this.caption,
      this.amounts,
      h('p', { class: 'app-credit app-aug-credit' }, `Training images: ${MNIST_CREDIT}.`),
    );
    container.append(this.element);
  }

  /** A message instead of pictures (no training images yet, MNIST missing, the worker restarting). */
  say(text: string): void {
    this.caption.textContent = text;
    this.versionsBox.hidden = this.amounts.hidden = true;
    delete this.element.dataset['augment'];
  }

  show(s: AugmentSample): void {
    this.versionsBox.hidden = false;
    paintSlice(this.original, s.pixels, 0, 28, 28, SEQUENTIAL, { min: 0, max: 255 });
    const off = s.augment === 'off';
    this.element.dataset['augment'] = s.augment;
    this.element.dataset['index'] = String(s.index);
    this.versionsBox.classList.toggle('app-aug-off', off);
    for (const c of this.versions) c.hidden = off;
    if (!off) this.versions.forEach((c, j) => paintSlice(c, s.images, j * 784, 28, 28, SEQUENTIAL, { min: 0, max: 1 }));
    const which = s.trained
      ? `Training image #${formatCount(s.index)}, a ${s.label}, the sample just trained`
      : `Training image #${formatCount(s.index)}, a ${s.label} (nothing trained yet in this run)`;
    const preset = presetName(s.augment);
    this.caption.textContent = off
      ? `${which}. Data augmentation is off: the network trains on every image exactly as stored.`
      : `${which}: as stored in the centre, and ${this.versions.length} random versions of it made by ${preset ?? 'this'} augmentation. Each time the network meets an image, it trains on a new version like these, so it learns digits rotated, slanted, shifted, resized, thicker or thinner.`;
    const items = augmentItems(s.augment);
    this.amounts.hidden = items.length === 0;
    this.amounts.replaceChildren(...items.map((i) => h('li', {}, h('code', {}, i.text), `: ${i.meaning}`)));
  }
}
