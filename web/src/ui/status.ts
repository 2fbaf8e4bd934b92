// The status area (data-testid="status"): one line saying what is happening, and
// below it the problems the page is living with, each with what to do about it
// (MNIST missing, no WebAssembly, a crashed worker, divergence, a hidden tab).
import { h } from './dom';

export type AlertLevel = 'info' | 'warning' | 'error';

export interface AlertAction {
  label: string;
  testid: string;
  run(): void;
  primary?: boolean;
}

export interface Alert {
  level: AlertLevel;
  title: string;
  text: string;
  /** A command or fix, shown as code. */
  fix?: string;
  actions?: AlertAction[];
}

/** Text with `code` spans as <code> elements. */
function withCode(text: string): (string | HTMLElement)[] {
  return text.split(/(`[^`]+`)/).filter(Boolean).map((part) => (part.startsWith('`') ? h('code', { text: part.slice(1, -1) }) : part));
}

export class StatusArea {
  readonly element: HTMLElement;
  private readonly line: HTMLElement;
  private readonly meter: HTMLProgressElement;
  private readonly alerts: HTMLElement;
  private readonly items = new Map<string, HTMLElement>();
  private timers = new Map<string, number>();

  private readonly actions: HTMLElement;

  /** `label`: the landmark's name (two demos on one page need two names). */
  constructor(container: HTMLElement, label = 'Status') {
    this.line = h('p', { class: 'app-status-line', role: 'status', 'aria-live': 'polite' }, 'Starting…');
    this.meter = h('progress', { class: 'app-status-meter', max: '1', 'aria-label': 'Loading MNIST' });
    this.meter.hidden = true;
    this.alerts = h('div', { class: 'app-alerts' });
    // The landmark holds the status (data-testid="status": the line and the alerts) and,
    // beside it, the page's own controls (addAction), so the status text stays the status.
    this.actions = h('div', { class: 'app-status-actions' });
    this.element = h(
      'section',
      { class: 'app-status', 'aria-label': label },
      h('div', { class: 'app-status-main', testid: 'status' }, h('div', { class: 'app-status-row' }, this.line, this.meter), this.alerts),
      this.actions,
    );
    container.append(this.element);
  }

  /** A control at the end of the status line (the page's Start / Pause, in reach at the top). */
  addAction(control: HTMLElement): void {
    this.actions.append(control);
  }

  /** The one-line summary. */
  say(text: string): void {
    if (this.line.textContent !== text) this.line.textContent = text;
  }

  /** Shows a loading fraction (null hides the meter; NaN: indeterminate). */
  meterValue(value: number | null): void {
    this.meter.hidden = value === null;
    if (value === null) return;
    if (Number.isNaN(value)) this.meter.removeAttribute('value');
    else this.meter.value = value;
  }

  /** Shows or replaces the alert `key`; with `autoHideMs` it goes away by itself. */
  show(key: string, alert: Alert, autoHideMs = 0): void {
    this.hide(key);
    const actions = (alert.actions ?? []).map((a) => {
      const b = h('button', { type: 'button', class: `app-button${a.primary ? ' app-button-primary' : ''}`, testid: a.testid }, a.label);
      b.addEventListener('click', () => a.run());
      return b;
    });
    const item = h(
      'div',
      { class: `app-alert app-alert-${alert.level}`, role: alert.level === 'error' ? 'alert' : 'status', 'data-key': key },
      h('p', { class: 'app-alert-title' }, alert.title),
      alert.text ? h('p', { class: 'app-alert-text' }, ...withCode(alert.text)) : null,
      alert.fix ? h('p', { class: 'app-alert-fix' }, ...withCode(alert.fix)) : null,
      actions.length > 0 ? h('div', { class: 'app-alert-actions' }, ...actions) : null,
    );
    this.items.set(key, item);
    this.alerts.append(item);
    if (autoHideMs > 0) this.timers.set(key, window.setTimeout(() => this.hide(key), autoHideMs));
  }

  hide(key: string): void {
    window.clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.items.get(key)?.remove();
    this.items.delete(key);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }
}
