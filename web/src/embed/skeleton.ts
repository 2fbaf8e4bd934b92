// The element's panels are the page's: the skeleton is taken from index.html (one
// source for both, so a panel added there shows in <cnn-lab> too), without the big
// header. <main> becomes a <div>: a course page has its own main landmark.
import pageHtml from '../../index.html?raw';
import { h } from '../ui/dom';

let template: Document | null = null;

function page(): Document {
  template ??= new DOMParser().parseFromString(pageHtml, 'text/html');
  return template;
}

/** The names of the page's panels (`#panel-<name>` sections), in order. */
export function panelNames(): string[] {
  return Array.from(page().querySelectorAll('section[id^="panel-"]'), (s) => s.id.slice('panel-'.length));
}

/**
 * #status, the grid of #panel-* sections and a footer with #kernel and the MNIST
 * credit. Each panel's name gets "in <name>" (a hidden span), so two elements on one
 * page do not have two "Training" landmarks.
 */
export function buildSkeleton(name = 'cnnlab'): HTMLElement {
  const source = page();
  const status = document.importNode(source.querySelector('#status')!, true);
  const main = source.querySelector('.app-grid')!;
  const grid = h('div', { class: main.className });
  for (const child of Array.from(main.children)) {
    const panel = document.importNode(child, true) as HTMLElement;
    const by = panel.getAttribute('aria-labelledby');
    if (by) panel.setAttribute('aria-labelledby', `${by} cnnlab-name`);
    grid.append(panel);
  }
  const credit = source.querySelector('.app-credit-inline')?.textContent?.trim() ?? '';
  const footer = h(
    'div', // not a contentinfo landmark: it sits inside the element's region
    { class: 'cnnlab-foot' },
    h('span', { class: 'cnnlab-credit', testid: 'mnist-credit' }, credit),
    h('span', { id: 'kernel' }),
  );
  const nameSpan = h('span', { id: 'cnnlab-name', hidden: true }, `in ${name}`);
  return h('div', { class: 'cnnlab-root', part: 'root' }, nameSpan, status, grid, footer);
}
