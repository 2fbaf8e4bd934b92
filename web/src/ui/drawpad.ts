// A 280×280 draw pad (mouse, touch, pen) and the three stages of the MNIST recipe
// under it: ① the ink with its bounding box, ② the box scaled to a longer side of
// 20 px by area averaging, ③ the 28×28 input I, centred by its centre of mass.
//
// Strokes are kept as point lists and redrawn each frame as smooth round-capped
// curves, on two canvases: the visible one at devicePixelRatio (crisp), and a fixed
// 280×280 "ink" canvas whose alpha channel is the ink that preprocessInk reads, so
// the input does not depend on the screen. A 20-px brush on 280 px gives strokes of
// about 2 px at 28×28, like MNIST's, when the digit fills most of the pad.
import { el } from './dom';
import { SEQUENTIAL, paintSlice, pixelCanvas } from './colormap';
import { BOX_SIZE, INPUT_CENTRE, INPUT_SIZE, preprocessInk, type PreprocessResult } from './preprocess';

export interface DrawInput extends PreprocessResult {}

export interface DrawPadOptions {
  /**
   * Called at most every PREPROCESS_MS while drawing, once more on pointer up,
   * after setImage, and with null after clear() (never with an image when the pad
   * is empty).
   */
  onChange: (input: DrawInput | null) => void;
  /** Where the preprocessing stages go (default: beside the pad, in the pad's element). */
  stagesHost?: HTMLElement;
}

/** Side of the pad, CSS pixels and ink pixels (10 ink pixels per input pixel). */
export const PAD_SIZE = 280;
/** Brush diameter in pad pixels. */
export const BRUSH_SIZE = 20;

const STAGE_SCALE = 3; // CSS px per input pixel in the stage views
/**
 * While a stroke goes on, the visible stroke is drawn every frame, but the recipe
 * (read the ink back, preprocess, paint the stages, predict) runs at most this
 * often: every frame it held up input on a slow phone while training.
 */
const PREPROCESS_MS = 50;

interface Stroke {
  /** x0, y0, x1, y1, … in pad pixels. */
  points: number[];
}


function context(canvas: HTMLCanvasElement, willReadFrequently = false): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d', { willReadFrequently });
  if (!ctx) throw new Error('this browser gave no 2-D canvas context');
  return ctx;
}

export class DrawPad {
  readonly element: HTMLElement;
  private readonly onChange: (input: DrawInput | null) => void;
  private readonly view: HTMLCanvasElement;
  private readonly viewCtx: CanvasRenderingContext2D;
  private readonly ink: HTMLCanvasElement;
  private readonly inkCtx: CanvasRenderingContext2D;
  private readonly hint: HTMLElement;
  private readonly stages: {
    ink: HTMLCanvasElement;
    scaled: HTMLCanvasElement;
    input: HTMLCanvasElement;
    overlay: HTMLCanvasElement;
    inkCaption: HTMLElement;
    scaledCaption: HTMLElement;
    inputCaption: HTMLElement;
  };
  private readonly alpha = new Uint8ClampedArray(PAD_SIZE * PAD_SIZE);
  private readonly scaledField = new Float32Array(BOX_SIZE * BOX_SIZE);
  private strokes: Stroke[] = [];
  private base: HTMLCanvasElement | null = null; // an image set by setImage, 28×28
  private activePointer: number | null = null;
  private padRect: DOMRect | null = null;
  private frame = 0;
  private lastWasNull = true;
  private dpr = 0;
  private lastPreprocess = -Infinity;

  constructor(container: HTMLElement, options: DrawPadOptions) {
    this.onChange = options.onChange;
    const root = el('div', 'cl-drawpad');

    const padColumn = el('div', 'cl-drawpad-main');
    const frame = el('div', 'cl-drawpad-frame');
    this.view = el('canvas', 'cl-drawpad-canvas');
    this.view.dataset['testid'] = 'drawpad';
    // Its CSS size is the frame's (--cl-pad: 280 px, less on a phone); strokes are scaled to 280.
    this.view.setAttribute('role', 'img');
    this.view.setAttribute('aria-label', 'Drawing pad: draw one digit, 0 to 9, with a mouse, pen or finger');
    this.viewCtx = context(this.view);
    this.hint = el('div', 'cl-drawpad-hint', 'Draw a digit 0–9, large');
    this.hint.setAttribute('aria-hidden', 'true');
    frame.append(this.view, this.hint);

    const bar = el('div', 'cl-drawpad-bar');
    const clear = el('button', 'cl-button', 'Clear');
    clear.type = 'button';
    clear.dataset['testid'] = 'drawpad-clear';
    clear.addEventListener('click', () => this.clear());
    const note = el('span', 'cl-drawpad-note', `brush ${BRUSH_SIZE} px on ${PAD_SIZE} px ≈ MNIST's 2-px strokes`);
    bar.append(clear, note);
    padColumn.append(frame, bar);

    this.ink = document.createElement('canvas');
    this.ink.width = PAD_SIZE;
    this.ink.height = PAD_SIZE;
    this.inkCtx = context(this.ink, true);

    // The three stages of the recipe.
    const stages = el('figure', 'cl-stages');
    stages.setAttribute('aria-label', 'How the drawing becomes the network input');
    const stage = (canvas: HTMLCanvasElement, title: string, caption: HTMLElement, extra?: HTMLElement) => {
      const box = el('div', 'cl-stage');
      const holder = el('div', 'cl-stage-canvas');
      holder.append(canvas);
      if (extra) holder.append(extra);
      box.append(holder, el('div', 'cl-stage-title', title), caption);
      return box;
    };
    const inkStage = pixelCanvas(PAD_SIZE, PAD_SIZE, (INPUT_SIZE * STAGE_SCALE) / PAD_SIZE, 'cl-pixels cl-stage-ink');
    inkStage.style.imageRendering = 'auto';
    const scaled = pixelCanvas(BOX_SIZE, BOX_SIZE, (INPUT_SIZE * STAGE_SCALE) / BOX_SIZE);
    const input = pixelCanvas(INPUT_SIZE, INPUT_SIZE, STAGE_SCALE);
    const overlay = el('canvas', 'cl-stage-overlay');
    overlay.style.width = overlay.style.height = `${INPUT_SIZE * STAGE_SCALE}px`;
    overlay.setAttribute('aria-hidden', 'true');
    this.stages = {
      ink: inkStage,
      scaled,
      input,
      overlay,
      inkCaption: el('div', 'cl-stage-caption', '–'),
      scaledCaption: el('div', 'cl-stage-caption', '–'),
      inputCaption: el('div', 'cl-stage-caption', '–'),
    };
    const arrow = () => {
      const a = el('div', 'cl-stage-arrow', '→');
      a.setAttribute('aria-hidden', 'true');
      return a;
    };
    stages.append(
      stage(inkStage, '① ink, box', this.stages.inkCaption),
      arrow(),
      stage(scaled, '② to 20 px', this.stages.scaledCaption),
      arrow(),
      stage(input, '③ centred: I', this.stages.inputCaption, overlay),
    );
    const legend = el('figcaption', 'cl-stages-note');
    const nowrap = (...parts: (string | Node)[]) => {
      const s = el('span', 'cl-nowrap');
      s.append(...parts);
      return s;
    };
    legend.append(
      'Longer side scaled to 20 px by area averaging (aspect ratio kept), then the centre of mass ',
      nowrap(markerSwatch()),
      ' moved to pixel ',
      nowrap('(14, 14) ', crossSwatch()),
      ', as MNIST was made.',
    );
    stages.append(legend);

    root.append(padColumn);
    if (options.stagesHost) options.stagesHost.append(stages);
    else root.append(stages);
    container.append(root);
    this.element = root;

    this.view.addEventListener('pointerdown', this.onPointerDown);
    this.view.addEventListener('pointermove', this.onPointerMove);
    this.view.addEventListener('pointerup', this.onPointerEnd);
    this.view.addEventListener('pointercancel', this.onPointerEnd);
    this.view.addEventListener('lostpointercapture', this.onPointerEnd);
    this.view.addEventListener('contextmenu', (e) => e.preventDefault());
    this.redraw();
    this.paintStages(null);
  }

  /** Wipes the pad and the stages and reports null. */
  clear(): void {
    this.cancelFrame();
    this.strokes = [];
    this.base = null;
    this.activePointer = null;
    this.redraw();
    this.paintStages(null);
    this.lastWasNull = true;
    this.onChange(null);
  }

  /**
   * Shows a 28×28 image (784 values in [0, 1], e.g. an MNIST test digit) as ink on
   * the pad, 10 pad pixels per image pixel, and reports it. For an MNIST digit the
   * recipe gives the digit back unchanged. Drawing afterwards adds to it.
   */
  setImage(image784: Float32Array): void {
    if (image784.length !== INPUT_SIZE * INPUT_SIZE)
      throw new Error(`setImage needs 784 values (28×28), got ${image784.length}`);
    const small = document.createElement('canvas');
    small.width = small.height = INPUT_SIZE;
    const data = new ImageData(INPUT_SIZE, INPUT_SIZE);
    for (let i = 0; i < image784.length; i++) {
      const v = image784[i]!;
      data.data[i * 4 + 3] = Math.round((v > 0 ? (v < 1 ? v : 1) : 0) * 255);
    }
    context(small).putImageData(data, 0, 0);
    this.cancelFrame();
    this.strokes = [];
    this.activePointer = null;
    this.base = small;
    this.update();
  }

  /** Removes the listeners and the elements. */
  destroy(): void {
    this.cancelFrame();
    this.element.remove();
  }

  // ---- pointer input -------------------------------------------------------

  private readonly onPointerDown = (e: PointerEvent): void => {
    if (this.activePointer !== null) return; // a second finger: ignored
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    e.preventDefault();
    this.activePointer = e.pointerId;
    try {
      this.view.setPointerCapture(e.pointerId);
    } catch {
      // a synthetic or already-released pointer: drawing still works inside the pad
    }
    this.padRect = this.view.getBoundingClientRect(); // one layout read per stroke
    this.strokes.push({ points: [] });
    this.addPoint(e);
    this.schedule();
  };

  private readonly onPointerMove = (e: PointerEvent): void => {
    if (e.pointerId !== this.activePointer) return;
    e.preventDefault();
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    if (events.length > 0) for (const c of events) this.addPoint(c);
    else this.addPoint(e);
    this.schedule();
  };

  private readonly onPointerEnd = (e: PointerEvent): void => {
    if (e.pointerId !== this.activePointer) return;
    if (e.type === 'pointerup') this.addPoint(e);
    this.activePointer = null;
    if (this.view.hasPointerCapture(e.pointerId)) this.view.releasePointerCapture(e.pointerId);
    this.cancelFrame();
    this.update(); // the final state, at once
  };

  private addPoint(e: PointerEvent): void {
    const rect = this.padRect;
    const stroke = this.strokes[this.strokes.length - 1];
    if (!rect || !stroke || rect.width === 0 || rect.height === 0) return;
    const x = ((e.clientX - rect.left) * PAD_SIZE) / rect.width;
    const y = ((e.clientY - rect.top) * PAD_SIZE) / rect.height;
    const p = stroke.points;
    const n = p.length;
    if (n >= 2 && Math.hypot(x - p[n - 2]!, y - p[n - 1]!) < 0.75) return;
    p.push(x, y);
  }

  // ---- frames ----------------------------------------------------------------

  private schedule(): void {
    if (this.frame === 0)
      this.frame = requestAnimationFrame((now) => {
        this.frame = 0;
        if (now - this.lastPreprocess >= PREPROCESS_MS) this.update();
        else {
          this.redraw(false); // the stroke follows the finger; the recipe waits a little
          this.schedule(); // and runs on a later frame with the newest points
        }
      });
  }

  private cancelFrame(): void {
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  /** Redraws, preprocesses, paints the stages and reports. */
  private update(): void {
    this.lastPreprocess = performance.now();
    this.redraw();
    const pixels = this.inkCtx.getImageData(0, 0, PAD_SIZE, PAD_SIZE).data;
    const alpha = this.alpha;
    for (let i = 0; i < alpha.length; i++) alpha[i] = pixels[i * 4 + 3]!;
    const result = preprocessInk({ width: PAD_SIZE, height: PAD_SIZE, data: alpha });
    this.paintStages(result);
    if (result) {
      this.lastWasNull = false;
      this.onChange(result);
    } else if (!this.lastWasNull) {
      this.lastWasNull = true;
      this.onChange(null);
    }
  }

  /** Draws the strokes on the visible pad and (for the recipe) on the ink canvas. */
  private redraw(ink = true): void {
    const dpr = Math.max(1, Math.min(3, typeof devicePixelRatio === 'number' ? devicePixelRatio : 1));
    if (dpr !== this.dpr) {
      this.dpr = dpr;
      this.view.width = this.view.height = Math.round(PAD_SIZE * dpr);
    }
    const empty = this.strokes.length === 0 && !this.base;
    this.hint.hidden = !empty;
    for (const [ctx, scale, color] of [
      [this.viewCtx, dpr, '#111'],
      ...(ink ? ([[this.inkCtx, 1, '#000']] as const) : []),
    ] as const) {
      ctx.setTransform(scale, 0, 0, scale, 0, 0);
      ctx.clearRect(0, 0, PAD_SIZE, PAD_SIZE);
      if (ctx === this.viewCtx) drawGuides(ctx);
      if (this.base) {
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(this.base, 0, 0, PAD_SIZE, PAD_SIZE);
        if (ctx === this.viewCtx) {
          // the base is black ink; on the visible pad give it the ink colour
          ctx.globalCompositeOperation = 'source-atop';
          ctx.fillStyle = color;
          ctx.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
          ctx.globalCompositeOperation = 'source-over';
        }
      }
      drawStrokes(ctx, this.strokes, color);
    }
  }

  private paintStages(r: PreprocessResult | null): void {
    const s = this.stages;
    // ① the ink, downsized, with its bounding box
    const ictx = context(s.ink);
    ictx.setTransform(1, 0, 0, 1, 0, 0);
    ictx.fillStyle = '#fff';
    ictx.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
    ictx.drawImage(this.ink, 0, 0);
    if (r) {
      ictx.strokeStyle = '#0072b2';
      ictx.lineWidth = 6;
      ictx.setLineDash([]);
      ictx.strokeRect(r.box.x - 3, r.box.y - 3, r.box.width + 6, r.box.height + 6);
    }
    // ② the scaled box in a 20×20 field, top-left aligned; the unused part tinted
    this.scaledField.fill(NaN);
    if (r)
      for (let y = 0; y < r.scaledHeight; y++)
        for (let x = 0; x < r.scaledWidth; x++) this.scaledField[y * BOX_SIZE + x] = r.scaled[y * r.scaledWidth + x]!;
    paintSlice(s.scaled, this.scaledField, 0, BOX_SIZE, BOX_SIZE, SEQUENTIAL, { min: 0, max: 1 });
    tintNaN(s.scaled, this.scaledField);
    // ③ the input I, with the centre (14, 14) and the centre of mass
    paintSlice(s.input, r ? r.image : new Float32Array(INPUT_SIZE * INPUT_SIZE), 0, INPUT_SIZE, INPUT_SIZE, SEQUENTIAL, {
      min: 0,
      max: 1,
    });
    this.paintOverlay(r);
    if (r) {
      s.inkCaption.textContent = `${r.box.width}×${r.box.height} px`;
      s.scaledCaption.textContent = `${r.scaledWidth}×${r.scaledHeight} px`;
      s.inputCaption.textContent = `(${r.centreOfMass.x.toFixed(1)}, ${r.centreOfMass.y.toFixed(1)})`;
      s.inputCaption.title = 'centre of mass of I, pixel-index coordinates';
    } else {
      s.inkCaption.textContent = 'no ink';
      s.scaledCaption.textContent = '–';
      s.inputCaption.textContent = '28×28';
    }
  }

  private paintOverlay(r: PreprocessResult | null): void {
    const c = this.stages.overlay;
    const side = INPUT_SIZE * STAGE_SCALE;
    const dpr = this.dpr || 1;
    if (c.width !== Math.round(side * dpr)) c.width = c.height = Math.round(side * dpr);
    const ctx = context(c);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, side, side);
    // pixel-index coordinates: pixel k has its centre at (k + 0.5)·scale
    const at = (k: number) => (k + 0.5) * STAGE_SCALE;
    ctx.strokeStyle = 'rgb(0 114 178 / 0.85)';
    ctx.lineWidth = 1;
    const m = at(INPUT_CENTRE);
    ctx.beginPath();
    ctx.moveTo(m - 7, m);
    ctx.lineTo(m + 7, m);
    ctx.moveTo(m, m - 7);
    ctx.lineTo(m, m + 7);
    ctx.stroke();
    if (r) {
      ctx.fillStyle = '#e66100';
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(at(r.centreOfMass.x), at(r.centreOfMass.y), 3.2, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
  }
}

/** Faint marks of the area a digit should fill, and the centre. */
function drawGuides(ctx: CanvasRenderingContext2D): void {
  const a = (PAD_SIZE * 4) / 28; // the 20×20 box of a 28×28 field, scaled to the pad
  const b = PAD_SIZE - a;
  const l = 16;
  ctx.strokeStyle = 'rgb(0 0 0 / 0.14)';
  ctx.lineWidth = 1.5;
  ctx.lineCap = 'butt';
  ctx.beginPath();
  for (const [x, y, dx, dy] of [
    [a, a, 1, 1],
    [b, a, -1, 1],
    [a, b, 1, -1],
    [b, b, -1, -1],
  ] as const) {
    ctx.moveTo(x + dx * l, y);
    ctx.lineTo(x, y);
    ctx.lineTo(x, y + dy * l);
  }
  const c = PAD_SIZE / 2;
  ctx.moveTo(c - 5, c);
  ctx.lineTo(c + 5, c);
  ctx.moveTo(c, c - 5);
  ctx.lineTo(c, c + 5);
  ctx.stroke();
}

/** Smooth strokes: quadratic curves through the midpoints of the recorded points. */
function drawStrokes(ctx: CanvasRenderingContext2D, strokes: readonly Stroke[], color: string): void {
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = BRUSH_SIZE;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  for (const { points: p } of strokes) {
    const n = p.length / 2;
    if (n === 0) continue;
    if (n === 1) {
      ctx.beginPath();
      ctx.arc(p[0]!, p[1]!, BRUSH_SIZE / 2, 0, 2 * Math.PI);
      ctx.fill();
      continue;
    }
    ctx.beginPath();
    ctx.moveTo(p[0]!, p[1]!);
    for (let i = 1; i < n - 1; i++) {
      const x = p[2 * i]!;
      const y = p[2 * i + 1]!;
      ctx.quadraticCurveTo(x, y, (x + p[2 * i + 2]!) / 2, (y + p[2 * i + 3]!) / 2);
    }
    ctx.lineTo(p[2 * n - 2]!, p[2 * n - 1]!);
    ctx.stroke();
  }
}

/** Paints NaN cells (outside the scaled box) a pale blue, to show the unused part of 20×20. */
function tintNaN(canvas: HTMLCanvasElement, values: Float32Array): void {
  const ctx = context(canvas);
  ctx.fillStyle = '#dde8f0';
  for (let i = 0; i < values.length; i++)
    if (Number.isNaN(values[i]!)) ctx.fillRect(i % BOX_SIZE, Math.floor(i / BOX_SIZE), 1, 1);
}

function markerSwatch(): HTMLElement {
  const s = el('span', 'cl-swatch cl-swatch-com');
  s.setAttribute('role', 'img');
  s.setAttribute('aria-label', 'orange dot');
  return s;
}

function crossSwatch(): HTMLElement {
  const s = el('span', 'cl-swatch cl-swatch-centre', '+');
  s.setAttribute('role', 'img');
  s.setAttribute('aria-label', 'blue cross');
  return s;
}
