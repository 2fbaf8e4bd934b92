// Accessibility (issue 5, point 7), keyboard only: Tab reaches every visible
// control, each has an accessible name (Chromium's own, from the accessibility
// tree) and a visible focus ring; training starts and pauses from the keyboard; a
// test image put on the pad from the keyboard is predicted and the prediction is
// in the aria-live region; colour legends carry their numbers; with
// prefers-reduced-motion nothing transitions or animates.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserAndServer, openPage, screenshotPath, STRICT_CSP } from './helpers';

const env = browserAndServer({ csp: STRICT_CSP });

const CONTROLS = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';

/** Gives every visible, enabled control a data-a11y key (radios: one per group) and returns the keys. */
async function tagControls(page: Page): Promise<string[]> {
  return page.evaluate((selector) => {
    const keys = new Set<string>();
    let n = 0;
    for (const el of document.querySelectorAll<HTMLElement>(selector)) {
      if ((el as HTMLButtonElement).disabled || !el.checkVisibility()) continue;
      const radio = el instanceof HTMLInputElement && el.type === 'radio' ? el.name : null;
      const key = radio ? `radio:${radio}` : `${el.dataset['testid'] ?? el.tagName.toLowerCase()}#${n++}`;
      el.dataset['a11y'] = key;
      keys.add(key);
    }
    return [...keys];
  }, CONTROLS);
}

interface Focused {
  key: string | null;
  testid: string | null;
  outline: string;
}

async function pressTab(page: Page): Promise<Focused> {
  await page.keyboard.press('Tab');
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { key: null, testid: null, outline: '' };
    const style = getComputedStyle(el);
    return { key: el.dataset['a11y'] ?? null, testid: el.dataset['testid'] ?? null, outline: `${style.outlineStyle} ${style.outlineWidth}` };
  });
}

/** Tabs forward until the control with this test id has the focus. */
async function tabTo(page: Page, testid: string, max = 400): Promise<void> {
  for (let i = 0; i < max; i++) if ((await pressTab(page)).testid === testid) return;
  throw new Error(`Tab never reached [data-testid="${testid}"]`);
}

/** Chromium's accessible names of every focusable node, from the accessibility tree. */
async function unnamedFocusables(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
    nodes: { ignored: boolean; role?: { value: string }; name?: { value: string }; properties?: { name: string; value: { value: unknown } }[] }[];
  };
  await cdp.detach();
  return nodes
    .filter((n) => !n.ignored && n.properties?.some((p) => p.name === 'focusable' && p.value.value === true))
    .filter((n) => !['RootWebArea', 'rootWebArea'].includes(n.role?.value ?? ''))
    .filter((n) => !(n.name?.value ?? '').trim())
    .map((n) => n.role?.value ?? '?');
}

describe('accessibility', () => {
  it('keyboard only: every control reached and named, training and a prediction without a pointer', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
    try {
      const { page, errors } = await openPage(context, env.server.url);
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
      // Evaluate the pretrained weights from the keyboard (this loads the test set): its matrix and gallery add buttons.
      await tabTo(page, 'eval-pretrained');
      await page.keyboard.press('Enter');
      await page.getByTestId('confusion-matrix').waitFor({ timeout: 60_000 });
      await page.getByTestId('mistakes').locator('button').first().waitFor({ timeout: 30_000 });
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

      // 1. Tab through the whole page.
      const expected = await tagControls(page);
      const reached = new Set<string>();
      const noRing: string[] = [];
      let first: string | null = null;
      for (let i = 0; i < 600; i++) {
        const f = await pressTab(page);
        if (f.key === null) continue;
        if (f.key === first) break;
        first ??= f.key;
        reached.add(f.key);
        if (!/^(solid|auto|dotted|dashed|double) [1-9]/.test(f.outline)) noRing.push(`${f.key}: ${f.outline}`);
      }
      console.log(`Tab reached ${reached.size} of ${expected.length} controls`);
      expect(expected.filter((k) => !reached.has(k))).toEqual([]);
      expect(noRing).toEqual([]);
      expect(await unnamedFocusables(page)).toEqual([]);

      // 2. Start and pause training from the keyboard.
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await tabTo(page, 'start');
      await page.locator('#panel-training').screenshot({ path: screenshotPath('a11y-focus-start') });
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => window.__cnnlab?.state() === 'running', null, { timeout: 30_000 });
      await page.waitForFunction(() => (window.__cnnlab?.lossSeries().length ?? 0) >= 2, null, { timeout: 60_000 });
      await tabTo(page, 'pause');
      await page.keyboard.press('Space');
      await page.waitForFunction(() => window.__cnnlab?.state() === 'paused', null, { timeout: 30_000 });

      // 3. A test image onto the pad, by number, from the keyboard; the prediction is announced.
      await tabTo(page, 'use-test-index');
      await page.keyboard.press('Control+A');
      await page.keyboard.type('3');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByTestId('use-test-note').textContent(), { timeout: 15_000 }).toMatch(/#3, a \d/);
      const label = Number(/a (\d)/.exec((await page.getByTestId('use-test-note').textContent()) ?? '')?.[1]);
      const live = page.locator('[aria-live="polite"]', { has: page.getByTestId('prediction') });
      expect(await live.count()).toBe(1);
      await expect.poll(() => live.textContent(), { timeout: 15_000 }).toMatch(new RegExp(`Prediction: ${label}\\b`));
      // And a random one, with the Random button.
      await tabTo(page, 'use-random-digit');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.getByTestId('use-test-note').textContent(), { timeout: 15_000 }).not.toMatch(/#3, a/);
      await expect.poll(() => live.textContent(), { timeout: 15_000 }).toMatch(/Prediction: \d/);
      await page.keyboard.press('Shift+Tab'); // back to "Use", to see its focus ring
      await page.locator('#panel-draw').screenshot({ path: screenshotPath('a11y-keyboard-digit') });

      // 4. Colour legends carry numbers (not colour alone).
      const legends = await page.locator('canvas[aria-label^="colour scale"]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      expect(legends.length).toBeGreaterThan(0);
      for (const text of legends) expect(text).toMatch(/^colour scale from −?[\d.e+−-]+ to −?[\d.e+−-]+/);

      // 5. prefers-reduced-motion: no transition, no animation anywhere.
      const moving = await page.evaluate(() => {
        const out: string[] = [];
        const nonZero = (v: string) => v.split(',').some((d) => parseFloat(d) > 0);
        for (const el of document.querySelectorAll('*')) {
          for (const pseudo of [null, '::before', '::after']) {
            const s = getComputedStyle(el, pseudo);
            if (nonZero(s.transitionDuration) || (s.animationName !== 'none' && nonZero(s.animationDuration)))
              out.push(`${el.tagName.toLowerCase()}.${el.className}${pseudo ?? ''}`);
          }
        }
        return out;
      });
      expect(moving).toEqual([]);
      // (The same page without the preference does have transitions: the check above can fail.)
      await page.emulateMedia({ reducedMotion: 'no-preference' });
      const bar = await page.locator('.cl-prob-fill').first().evaluate((e) => getComputedStyle(e).transitionDuration);
      expect(parseFloat(bar)).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
