// Strict CSP (issue 5, point 6): served with exactly the policy of STRICT_CSP, the
// page loads, trains and predicts a drawn digit, with no violation reported (the
// securitypolicyviolation events in window.__csp, and the console) and no console
// error. The service worker registers under the same policy (worker-src 'self').
import { describe, expect, it } from 'vitest';
import { browserAndServer, drawDigit, openPage, screenshotPath, STRICT_CSP, waitForIdle } from './helpers';

const env = browserAndServer({ csp: STRICT_CSP });

describe('strict CSP', () => {
  it('loads, trains and predicts with no violation and no console error', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const { page, errors, cspViolations } = await openPage(context, env.server.url);
      const header = await page.evaluate(async () => (await fetch(location.href)).headers.get('content-security-policy'));
      expect(header).toBe(STRICT_CSP);
      await waitForIdle(page);

      await page.getByTestId('start').click();
      await page.waitForFunction(() => (window.__cnnlab?.lossSeries().length ?? 0) >= 5, null, { timeout: 60_000 });
      await page.getByTestId('pause').click();
      await page.waitForFunction(() => window.__cnnlab?.state() === 'paused', null, { timeout: 30_000 });

      await drawDigit(page, 3);
      await expect.poll(() => page.getByTestId('prediction').textContent(), { timeout: 15_000 }).toMatch(/^\d$/);
      // Let the plots, the network view and the service worker settle before counting.
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
      await page.waitForTimeout(500);
      await page.screenshot({ path: screenshotPath('csp'), fullPage: true });

      expect(await page.getByTestId('prediction').textContent()).toBe('3');
      expect(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])).toEqual([]);
      expect(cspViolations).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
