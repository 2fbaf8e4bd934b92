// A tiny helper for building DOM trees in the page's own panels.

type Child = Node | string | null | undefined | false;

export interface Attrs {
  class?: string;
  testid?: string;
  text?: string;
  [attribute: string]: string | number | boolean | undefined;
}

/** h('button', { class: 'x', testid: 'start', type: 'button' }, 'Start') */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key === 'class') e.className = String(value);
    else if (key === 'testid') e.dataset['testid'] = String(value);
    else if (key === 'text') e.textContent = String(value);
    else e.setAttribute(key, value === true ? '' : String(value));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** el('span', 'cl-value', '0.25'): an element with a class and optional text (h's short form). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  return h(tag, { class: className, text });
}

/** A <sub> or <sup> inside text: sub('1') → ₁ as markup. */
export const sub = (text: string): HTMLElement => h('sub', { text });
export const sup = (text: string): HTMLElement => h('sup', { text });
