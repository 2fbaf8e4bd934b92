// The page's theme toggle: System / Light / Dark, stored in localStorage and applied
// as <html data-theme> (ui/theme.css). public/theme-init.js applies the stored choice
// before the first paint; this module builds the control and keeps it in step.
import { h } from '../ui/dom';
import { THEME_EVENT } from '../ui/theme';

export const THEME_KEY = 'cnnlab-theme';
export const THEMES = ['system', 'light', 'dark'] as const;
export type ThemeChoice = (typeof THEMES)[number];

export function storedTheme(): ThemeChoice {
  try {
    const v = localStorage.getItem(THEME_KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', choice);
  try {
    if (choice === 'system') localStorage.removeItem(THEME_KEY);
    else localStorage.setItem(THEME_KEY, choice);
  } catch {
    // storage blocked: the choice lasts for this page only
  }
  window.dispatchEvent(new Event(THEME_EVENT));
}

/** A labelled select: "Colours: system / light / dark". */
export function themeToggle(): HTMLElement {
  const select = h('select', { id: 'theme-choice', testid: 'theme' }, h('option', { value: 'system' }, 'as the system'), h('option', { value: 'light' }, 'light'), h('option', { value: 'dark' }, 'dark'));
  select.value = storedTheme();
  select.addEventListener('change', () => applyTheme(select.value as ThemeChoice));
  return h('div', { class: 'app-theme' }, h('label', { for: 'theme-choice' }, 'Colours'), select);
}
