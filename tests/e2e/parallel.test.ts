// Parallel speed (the part 5): two runs of "Compare runs" on this 2-core
// machine, each in its own worker. Each run keeps its speed alone, and the page stays
// responsive while both train.
//
// The machine is shared with other builds (load 3–14 on 2 cores): the OS gives our
// threads whatever share of the cores is left, and that share moves by 2–3× within a
// minute. So the test measures in one run, interleaved (A alone, B alone, A and B,
// A and B, B alone, A alone; "alone": the other paused), and measures three things:
//  - wall clock: each run's samples/s together over alone (the figure, and
//    what the page shows); printed, not asserted: under this load it says more about
//    the other builds than about the page;
//  - CPU time (Linux /proc/<renderer>/task/<worker thread>/schedstat: time on a CPU and
//    time waiting for one): each run's samples per second of CPU its worker got,
//    together over alone — what running two at once costs a run (shared caches, the
//    page's traffic), whatever else the machine runs; asserted ≥ 80%;
//  - the workers never wait for the page: while both train, each worker is on a CPU
//    or ready to run (waiting only for a free core) ≥ 90% of the time. With two free
//    cores each would have one, so the two figures bound the speed each keeps on a
//    quiet 2-core machine.
// Responsiveness: a DevTools trace of the main thread while both train: no task uses
// more than 50 ms of CPU time (asserted); the tasks over 50 ms of wall time (the
// PerformanceObserver's long tasks: on this machine the OS often leaves a 4 ms task
// waiting 100–500 ms for a core) are printed with their CPU time.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { CDPSession, Page } from 'playwright-core';
import { browserAndServer, openPage } from './helpers';

const env = browserAndServer();

type Letter = 'A' | 'B';
/** A thread's schedstat: ns on a CPU, ns runnable but waiting for one. */
type Sched = { cpu: number; wait: number };

/** The DedicatedWorker threads of this test's Chromium (renderers below this process), by "pid/tid". */
function workerThreads(): Map<string, Sched> {
  const parent = (pid: number): number => {
    try {
      return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    } catch {
      return 0;
    }
  };
  const ours = (pid: number): boolean => {
    for (let p = pid; p > 1; p = parent(p)) if (p === process.pid) return true;
    return false;
  };
  const out = new Map<string, Sched>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmd.includes('--type=renderer') || !ours(Number(pid))) continue;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() !== 'DedicatedWorker') continue;
        const [cpu, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
        out.set(`${pid}/${tid}`, { cpu: cpu!, wait: wait! });
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return out;
}

interface Phase {
  name: string;
  runs: Letter[];
  seconds: number;
  /** Per run: samples trained in the phase (the table's samples seen) and the mean samples/s its worker reported. */
  samples: Partial<Record<Letter, number>>;
  shown: Partial<Record<Letter, number>>;
  /** Per worker thread: CPU and run-queue seconds in the phase. */
  threads: Map<string, { cpu: number; wait: number }>;
  /** The page's main thread: CPU seconds per second (DevTools ThreadTime). */
  main: number;
}

const row = (page: Page, letter: Letter) => page.locator(`[data-testid="compare-row"][data-run="${letter}"]`);
const card = (page: Page, letter: Letter) => page.locator(`[data-testid="compare-run"][data-run="${letter}"]`);
const samplesOf = async (page: Page, letter: Letter) => Number(await row(page, letter).getAttribute('data-samples'));

async function setRunning(page: Page, letter: Letter, on: boolean): Promise<void> {
  if (((await row(page, letter).getAttribute('data-state')) === 'running') === on) return;
  await card(page, letter).getByTestId('compare-run-toggle').click();
  await expect.poll(() => row(page, letter).getAttribute('data-state'), { timeout: 30_000 }).toBe(on ? 'running' : 'paused');
}

async function threadTime(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return metrics.find((m) => m.name === 'ThreadTime')!.value;
}

async function phase(page: Page, cdp: CDPSession, name: string, runs: Letter[]): Promise<Phase> {
  for (const letter of ['A', 'B'] as const) if (!runs.includes(letter)) await setRunning(page, letter, false);
  for (const letter of runs) await setRunning(page, letter, true);
  await page.waitForTimeout(2500); // the workers' own rate covers their last 2 s
  const t0 = performance.now();
  const s0 = workerThreads();
  const m0 = await threadTime(cdp);
  const n0 = { A: await samplesOf(page, 'A'), B: await samplesOf(page, 'B') };
  const shownSamples: Record<Letter, number[]> = { A: [], B: [] };
  for (let i = 0; i < 12; i++) {
    await page.waitForTimeout(500);
    for (const letter of runs) shownSamples[letter].push(Number(await row(page, letter).getAttribute('data-rate')));
  }
  const n1 = { A: await samplesOf(page, 'A'), B: await samplesOf(page, 'B') };
  const m1 = await threadTime(cdp);
  const s1 = workerThreads();
  const seconds = (performance.now() - t0) / 1000;
  const threads = new Map<string, { cpu: number; wait: number }>();
  for (const [id, after] of s1) {
    const before = s0.get(id);
    if (before) threads.set(id, { cpu: (after.cpu - before.cpu) / 1e9, wait: (after.wait - before.wait) / 1e9 });
  }
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const samples: Partial<Record<Letter, number>> = {};
  const shown: Partial<Record<Letter, number>> = {};
  for (const letter of runs) {
    samples[letter] = n1[letter] - n0[letter];
    shown[letter] = mean(shownSamples[letter]);
  }
  return { name, runs, seconds, samples, shown, threads, main: (m1 - m0) / seconds };
}

describe('parallel speed', () => {
  it('two runs on two cores: each keeps its speed per CPU second, the workers never wait for the page, no main-thread task over 50 ms of CPU', async () => {
    expect(existsSync('/proc/self/task'), 'the CPU figures read Linux /proc').toBe(true);
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    try {
      const { page, errors } = await openPage(context, 'about:blank');
      await page.addInitScript(() => {
        const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
        w.__longTasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
        }).observe({ type: 'longtask', buffered: true });
      });
      // Two runs of the defaults but 50 epochs (they never end while measured), each its own seed.
      await page.goto(`${env.server.url}#compare=epochs:50,seed:1|epochs:50,seed:2`);
      await page.waitForFunction(() => window.__cnnlab?.state() === 'idle', null, { timeout: 60_000 });
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      await page.getByTestId('compare-start').click(); // both load MNIST (once) and train
      await expect.poll(() => page.getByTestId('compare-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['state'])), { timeout: 120_000 }).toEqual(['running', 'running']);
      await page.getByTestId('compare-loss-plot').scrollIntoViewIfNeeded(); // the plots redraw while measured

      const phases: Phase[] = [];
      phases.push(await phase(page, cdp, 'A alone', ['A']));
      phases.push(await phase(page, cdp, 'B alone', ['B']));
      // The main thread while both train: a trace of its tasks (wall and CPU time) and the long tasks it reports.
      await setRunning(page, 'A', true);
      await page.evaluate(() => {
        (window as unknown as { __longTasks: unknown[] }).__longTasks = [];
      });
      await env.browser.startTracing(page, { categories: ['toplevel'] });
      phases.push(await phase(page, cdp, 'together', ['A', 'B']));
      phases.push(await phase(page, cdp, 'together', ['A', 'B']));
      const trace = JSON.parse((await env.browser.stopTracing()).toString()) as { traceEvents: { name: string; ph: string; pid: number; tid: number; dur?: number; tdur?: number; args?: { name?: string } }[] };
      const longTasks = await page.evaluate(() => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks);
      phases.push(await phase(page, cdp, 'B alone', ['B']));
      phases.push(await phase(page, cdp, 'A alone', ['A']));

      // Which worker thread is which run: the one that worked in its run's alone phases.
      const busiest = (letter: Letter): string => {
        const cpu = new Map<string, number>();
        for (const p of phases.filter((q) => q.runs.length === 1 && q.runs[0] === letter)) for (const [id, t] of p.threads) cpu.set(id, (cpu.get(id) ?? 0) + t.cpu);
        return [...cpu].sort((a, b) => b[1] - a[1])[0]![0];
      };
      const thread: Record<Letter, string> = { A: busiest('A'), B: busiest('B') };
      expect(thread.A).not.toBe(thread.B);

      const lines: string[] = [];
      for (const p of phases) {
        const parts = p.runs.map((l) => {
          const t = p.threads.get(thread[l])!;
          return `${l} ${Math.round(p.samples[l]! / p.seconds)}/s (shown ${Math.round(p.shown[l]!)}/s), its worker on a CPU ${((100 * t.cpu) / p.seconds).toFixed(0)}% waiting for one ${((100 * t.wait) / p.seconds).toFixed(0)}%, ${Math.round(p.samples[l]! / t.cpu)} samples per CPU second`;
        });
        lines.push(`  ${p.name.padEnd(8)} ${parts.join('; ')}; main thread ${(p.main * 100).toFixed(1)}% CPU`);
      }
      const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
      const of = (letter: Letter, together: boolean, f: (p: Phase, t: { cpu: number; wait: number }) => number) =>
        mean(phases.filter((p) => p.runs.includes(letter) && (p.runs.length === 2) === together).map((p) => f(p, p.threads.get(thread[letter])!)));
      const wall = (l: Letter, together: boolean) => of(l, together, (p) => p.samples[l]! / p.seconds);
      const perCpu = (l: Letter, together: boolean) => of(l, together, (p, t) => p.samples[l]! / t.cpu);
      const busy = (l: Letter) => of(l, true, (p, t) => (t.cpu + t.wait) / p.seconds);
      const keepWall = { A: wall('A', true) / wall('A', false), B: wall('B', true) / wall('B', false) };
      const keepCpu = { A: perCpu('A', true) / perCpu('A', false), B: perCpu('B', true) / perCpu('B', false) };

      const runTasks = trace.traceEvents.filter((e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask');
      const mainIds = new Set(trace.traceEvents.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
      const mainTasks = runTasks.filter((e) => mainIds.has(`${e.pid}:${e.tid}`));
      const cpuMax = Math.max(...mainTasks.map((e) => (e.tdur ?? 0) / 1000));
      const overWall = mainTasks.filter((e) => (e.dur ?? 0) > 50_000).map((e) => `${Math.round(e.dur! / 1000)} ms (CPU ${((e.tdur ?? 0) / 1000).toFixed(1)} ms)`);

      console.log(
        [
          `parallel speed, ${new Date().toISOString().slice(0, 10)}, ${cores} logical cores, load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}:`,
          ...lines,
          `  each run together / alone: wall clock A ${(100 * keepWall.A).toFixed(1)}%, B ${(100 * keepWall.B).toFixed(1)}%; per CPU second A ${(100 * keepCpu.A).toFixed(1)}%, B ${(100 * keepCpu.B).toFixed(1)}%`,
          `  while both trained, each worker on a CPU or ready to run: A ${(100 * busy('A')).toFixed(1)}%, B ${(100 * busy('B')).toFixed(1)}% of the time`,
          `  main thread while both trained: ${mainTasks.length} tasks, the longest ${cpuMax.toFixed(1)} ms of CPU; over 50 ms of wall time: ${overWall.length === 0 ? 'none' : overWall.join(', ')}; long tasks reported by the page: ${JSON.stringify(longTasks.map((t) => Math.round(t.duration)))}`,
        ].join('\n'),
      );
      expect(mainTasks.length).toBeGreaterThan(50); // the trace saw the main thread at work (redraws several times a second)
      expect(keepCpu.A).toBeGreaterThanOrEqual(0.8);
      expect(keepCpu.B).toBeGreaterThanOrEqual(0.8);
      expect(busy('A')).toBeGreaterThanOrEqual(0.9);
      expect(busy('B')).toBeGreaterThanOrEqual(0.9);
      expect(cpuMax).toBeLessThanOrEqual(50);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);
});
