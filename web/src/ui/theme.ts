// The colour theme, as components see it: the CSS tokens of ui/theme.css switch by
// themselves (light-dark() follows `color-scheme`); only canvases (plots, colour
// legends) need to repaint, and they learn of a change here.

/** Sent on window when the page's or an element's theme changes (the system's changes too). */
export const THEME_EVENT = 'cnnlab:theme';

/** Calls `listener` after each change of theme; returns the unsubscribe function. */
export function onThemeChange(listener: () => void): () => void {
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  media?.addEventListener('change', listener);
  window.addEventListener(THEME_EVENT, listener);
  return () => {
    media?.removeEventListener('change', listener);
    window.removeEventListener(THEME_EVENT, listener);
  };
}

/** A resolved colour for canvases: `property` ('color', 'border-top-color', …) of `element`. */
export function resolvedColor(element: Element, property: string, fallback: string): string {
  const value = element.isConnected ? getComputedStyle(element).getPropertyValue(property) : '';
  return value || fallback;
}

/**
 * The tokens `names` (e.g. '--ink') as resolved colours where `host` is: a probe
 * element inside it gets each as its `color` and is read back (light-dark() resolved
 * by the host's color-scheme). For canvases; call it again after a theme change.
 */
export function tokenColors<K extends string>(host: Element, names: readonly K[], fallback = '#808080'): Record<K, string> {
  const probe = document.createElement('span');
  probe.hidden = true;
  host.append(probe);
  const out = {} as Record<K, string>;
  for (const name of names) {
    probe.style.color = `var(${name}, ${fallback})`;
    out[name] = getComputedStyle(probe).color || fallback;
  }
  probe.remove();
  return out;
}
