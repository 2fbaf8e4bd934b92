// Boxes that scroll sideways on their own (a wide table, an equation wider than a
// phone), so the page itself never does. The cue: shadows at the edge with more to
// show (styles.css .app-scroll) and, when given, a line of text shown only while
// the content overflows. One ResizeObserver watches every box and its content. An overflowing box is made focusable (tabindex 0), so
// keyboard users can scroll it too; a box that fits is not a tab stop.

const watched = new Map<Element, { cue: HTMLElement | null; label: string }>();
let observer: ResizeObserver | null = null;

function check(box: HTMLElement): void {
  const entry = watched.get(box);
  if (!entry) return;
  const overflow = box.scrollWidth > box.clientWidth + 1;
  const flag = String(overflow);
  if (box.dataset['overflow'] !== flag) {
    box.dataset['overflow'] = flag;
    if (entry.cue) entry.cue.dataset['overflow'] = flag;
    // Focusable only while it scrolls; a box without focusable content then needs a name.
    const hasControls = box.querySelector('button, a[href], input, select, textarea') !== null;
    if (overflow && !hasControls) {
      box.tabIndex = 0;
      box.setAttribute('role', 'region');
      box.setAttribute('aria-label', entry.label);
    } else if (box.getAttribute('role') === 'region') {
      box.removeAttribute('tabindex');
      box.removeAttribute('role');
      box.removeAttribute('aria-label');
    }
  }
}

const labelsUsed = new Map<string, number>();

/**
 * Watches `box` (class app-scroll) and keeps its cue and focusability up to date.
 * `label` names it while it is a scrollable region; a label given twice gets a number.
 */
export function watchOverflow(box: HTMLElement, label: string, cue: HTMLElement | null = null): void {
  const n = (labelsUsed.get(label) ?? 0) + 1;
  labelsUsed.set(label, n);
  if (n > 1) label = `${label} (${n})`;
  box.classList.add('app-scroll');
  if (cue) cue.classList.add('app-scroll-cue');
  watched.set(box, { cue, label });
  observer ??= new ResizeObserver((entries) => {
    for (const e of entries) {
      const target = (watched.has(e.target) ? e.target : e.target.parentElement) as HTMLElement | null;
      if (!target) continue;
      if (!target.isConnected) {
        observer?.unobserve(target);
        watched.delete(target);
        continue;
      }
      check(target);
    }
  });
  // The observer reports after layout: reading the widths there forces no extra layout
  // (a requestAnimationFrame check did, up to 35 ms while training).
  observer.observe(box);
  // Content that grows sideways without the box resizing (a table filled later).
  const first = box.firstElementChild;
  if (first) observer.observe(first);
}

/** After the box's content was replaced: watch the new content's size too. */
export function recheckOverflow(box: HTMLElement): void {
  const first = box.firstElementChild;
  if (first && observer) observer.observe(first);
}
