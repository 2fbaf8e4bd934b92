// "Use a test digit": the keyboard's way onto the draw pad. Picks an MNIST test
// image by number (or at random) and puts it on the pad as if drawn, so drawing →
// preprocessing → prediction (announced by the probability bars' live region)
// works without a pointer.
import { h } from './dom';
import { errorText } from '../core/util';

export interface KeyboardDigitOptions {
  /** How many test images there are (10,000 once MNIST is loaded). */
  count(): number;
  /** The test image `index`: 784 pixels 0..255 and its label. Rejects while MNIST is not loaded. */
  image(index: number): Promise<{ pixels: Uint8Array; label: number }>;
  /** Puts 784 values in [0, 1] on the pad (DrawPad.setImage). */
  show(image784: Float32Array): void;
}

export class KeyboardDigit {
  readonly element: HTMLElement;
  private readonly index: HTMLInputElement;
  private readonly note: HTMLElement;
  private busy = false;

  constructor(private readonly options: KeyboardDigitOptions) {
    this.index = h('input', {
      type: 'number',
      min: '0',
      max: '9999',
      step: '1',
      value: '0',
      id: 'use-test-index',
      class: 'app-index',
      testid: 'use-test-index',
    });
    const use = h('button', { type: 'button', class: 'app-button', testid: 'use-test-digit' }, 'Use');
    const random = h('button', { type: 'button', class: 'app-button', testid: 'use-random-digit' }, 'Random');
    this.note = h('span', { class: 'app-note app-muted', testid: 'use-test-note' });
    this.index.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') void this.load(Number(this.index.value));
    });
    use.addEventListener('click', () => void this.load(Number(this.index.value)));
    random.addEventListener('click', () => void this.load(Math.floor(Math.random() * this.options.count())));
    this.element = h(
      'div',
      { class: 'app-inline app-keyboard-digit', role: 'group', 'aria-labelledby': 'use-test-label' },
      h('label', { for: 'use-test-index', id: 'use-test-label' }, 'Or use test image #'),
      this.index,
      use,
      random,
      this.note,
    );
    // The names start with the visible words (WCAG 2.5.3, label in name).
    use.setAttribute('aria-label', 'Use this test image on the draw pad');
    random.setAttribute('aria-label', 'Random test image on the draw pad');
  }

  private async load(index: number): Promise<void> {
    const count = this.options.count();
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      this.note.textContent = `Test images are numbered 0 to ${count - 1}.`;
      return;
    }
    if (this.busy) return;
    this.busy = true;
    this.index.value = String(index);
    try {
      const { pixels, label } = await this.options.image(index);
      const image = new Float32Array(784);
      for (let i = 0; i < 784; i++) image[i] = pixels[i]! / 255;
      this.options.show(image);
      this.note.textContent = `#${index}, a ${label}, is on the pad.`;
    } catch (error) {
      this.note.textContent = `Not available yet: ${errorText(error)}`;
    } finally {
      this.busy = false;
    }
  }
}
