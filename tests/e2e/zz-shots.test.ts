import { describe, it } from 'vitest';
import { browserAndServer, openPage, drawDigit } from './helpers';
const env = browserAndServer();
const SIZES: Record<string, any> = {
  laptop: { viewport: { width: 1280, height: 720 } },
  tablet: { viewport: { width: 768, height: 1024 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 },
};
describe('shots', () => {
  for (const name of (process.env.SIZES ?? 'laptop,phone').split(',')) {
    it(name, async () => {
      const context = await env.browser.newContext({ ...SIZES[name], colorScheme: (process.env.SCHEME ?? 'light') as any });
      const { page, errors } = await openPage(context, env.server.url);
      await page.waitForFunction(() => window.__cnnlab?.dataState() === 'ready', null, { timeout: 60_000 });
      await page.getByTestId('confusion-matrix').waitFor({ timeout: 60_000 });
      await drawDigit(page, 7);
      await page.waitForTimeout(500);
      const info = await page.evaluate(() => {
        const r = (s: string) => { const e = document.querySelector(s); if (!e) return null; const b = e.getBoundingClientRect(); return [Math.round(b.left), Math.round(b.top), Math.round(b.right), Math.round(b.bottom)]; };
        return { sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth, pad: r('[data-testid=drawpad]'), pred: r('[data-testid=prediction]'), bar9: r('[data-testid=prob-9]'), start: r('[data-testid=start]'), scrollY };
      });
      console.log(name, JSON.stringify(info), errors);
      const wide = await page.evaluate(() => { const cw = document.documentElement.clientWidth; const out: string[] = []; for (const e of document.querySelectorAll('body *')) { const b = e.getBoundingClientRect(); if (b.right > cw + 1 && b.width > 0) { out.push(`${e.tagName}.${String((e as HTMLElement).className).slice(0,40)} ${Math.round(b.left)}-${Math.round(b.right)}`); } } return out.slice(0, 40); });
      console.log(name, 'WIDE', wide.join(' | '));
      await page.screenshot({ path: `/tmp/stu/${name}-${process.env.SCHEME ?? 'light'}-view.png` });
      await page.screenshot({ path: `/tmp/stu/${name}-${process.env.SCHEME ?? 'light'}-full.png`, fullPage: true });
      const H = await page.evaluate(() => document.documentElement.scrollHeight);
      const W = await page.evaluate(() => document.documentElement.clientWidth);
      for (let y = 0, i = 0; y < H; y += 1500, i++) await page.screenshot({ path: `/tmp/stu/${name}-${process.env.SCHEME ?? 'light'}-seg${i}.png`, fullPage: true, scale: 'css', clip: { x: 0, y, width: W, height: Math.min(1500, H - y) } });
      await context.close();
    });
  }
});
