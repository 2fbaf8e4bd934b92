// axe-core (npm axe-core) in the page: WCAG 2.1 A and AA rules plus axe's best
// practices (unique landmark names among them) and the label-content-name rule, run
// over the document and every open shadow root. Injected with page.evaluate (a
// DevTools evaluation), so the page's strict CSP does not have to allow it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown; html: string; summary: string }[];
}

export interface AxeReport {
  violations: AxeViolation[];
  /** Violations by impact: minor, moderate, serious, critical. */
  counts: Record<string, number>;
  passes: number;
  incomplete: number;
  /** The rules axe could not decide (a person should look), e.g. contrast over a gradient. */
  incompleteIds: string[];
}

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

export async function runAxe(page: Page): Promise<AxeReport> {
  const has = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!has) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<any> } }).axe;
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      rules: { 'label-content-name-mismatch': { enabled: true } },
      resultTypes: ['violations', 'incomplete'],
    });
    return {
      violations: r.violations.map((v: any) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n: any) => ({ target: n.target, html: String(n.html).slice(0, 200), summary: String(n.failureSummary ?? '').slice(0, 300) })),
      })),
      passes: r.passes.length,
      incomplete: r.incomplete.length,
      incompleteIds: r.incomplete.map((v: any) => `${v.id} (${v.nodes.length})`),
    };
  }, AXE_TAGS);
  const counts: Record<string, number> = { minor: 0, moderate: 0, serious: 0, critical: 0 };
  for (const v of result.violations) counts[v.impact ?? 'minor'] = (counts[v.impact ?? 'minor'] ?? 0) + v.nodes.length;
  return { ...result, counts };
}

/** One line per violation, for the test log and failure messages. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => `${v.impact} ${v.id} (${v.nodes.length}): ${v.help}\n${v.nodes.slice(0, 4).map((n) => `    ${JSON.stringify(n.target)} ${n.html}\n      ${n.summary.replace(/\n/g, ' | ')}`).join('\n')}`)
    .join('\n');
}
