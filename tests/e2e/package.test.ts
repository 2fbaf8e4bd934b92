// The npm package as a teacher gets it (issue: "install it without building"):
// `npm pack` of this checkout (after `npm run build`), installed into an empty
// temporary project with nothing else, then
//  (a) in Node: the README's example imports the facade from the package, creates a
//      model, trains 600 samples of the package's own MNIST and predicts; and a
//      TypeScript file type-checks against the package's .d.ts (strict, nodenext);
//  (b) in a browser: the installed package's dist/ served from one origin (a CDN),
//      a course page on another origin loads <cnn-lab> from it: it shows, predicts a
//      drawn digit, trains.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { drawDigitOn, launchChromium, openPage, ROOT, screenshotPath, serveDist } from './helpers';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
let work: string;
let project: string;
let tarball: string;
let browser: Browser;

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string; size: number }[];
}
let packed: PackResult;

/** The README's code block that follows `<!-- marker -->`. */
function readmeBlock(marker: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- ${marker} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\`\\n`).exec(readme);
  if (!m) throw new Error(`README.md has no code block after <!-- ${marker} -->`);
  return m[1]!;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cnnlab-package-'));
  const json = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' });
  packed = (JSON.parse(json) as PackResult[])[0]!;
  tarball = join(work, packed.filename);
  project = join(work, 'course');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'course', private: true, type: 'module' }));
  execFileSync('npm', ['install', tarball, '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'], { cwd: project, stdio: 'pipe' });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('holds the prebuilt site and the facade, no sources, no build step', () => {
    const paths = packed.files.map((f) => f.path);
    console.log(
      `npm pack: ${packed.filename}, ${(statSync(tarball).size / 1e6).toFixed(2)} MB packed, ` +
        `${(packed.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${packed.entryCount} files`,
    );
    expect(packed.filename).toBe(`cnnlab-${VERSION}.tgz`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'CHANGELOG.md',
        'dist/cnn-lab.js',
        'dist/index.html',
        'dist/embed.html',
        'dist/models/cnnlab-default.json',
        'dist/data/mnist/train-images-idx3-ubyte.gz',
        'dist/data/mnist/t10k-labels-idx1-ubyte.gz',
        'lib/core/cnnlab.js',
        'lib/core/cnnlab.d.ts',
        'lib/wasm/cnnlab.wasm',
        'lib/element.d.ts',
      ]),
    );
    expect(paths.filter((p) => /^(web|cpp|tests|public|build)\//.test(p) || p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
    expect(paths.filter((p) => /\.(woff|ttf)$/.test(p))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules/cnnlab/package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg['license']).toBe('MIT');
    expect(pkg['private']).toBeUndefined();
    expect(pkg['dependencies']).toBeUndefined(); // KaTeX and uPlot are bundled
    expect(pkg['unpkg']).toBe('dist/cnn-lab.js');
    expect(pkg['jsdelivr']).toBe('dist/cnn-lab.js');
    expect(readFileSync(join(project, 'node_modules/cnnlab/LICENSE'), 'utf8')).toMatch(/MNIST[\s\S]*Yann LeCun, Corinna Cortes and\s+Christopher J\. C\. Burges[\s\S]*CC BY-SA\s+3\.0/);
  });

  it('(a) Node: the README example trains 600 samples and predicts, with the package alone', () => {
    const example = readmeBlock('package-test: node');
    writeFileSync(join(project, 'train.mjs'), example);
    const out = execFileSync(process.execPath, ['train.mjs'], { cwd: project, encoding: 'utf8' });
    console.log(`node train.mjs:\n${out.trim()}`);
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { kernel: string; trained: number; meanLoss: number; digit: number; label: number; probs: number[]; accuracy: number };
    expect(result.kernel).toBe('v128');
    expect(result.trained).toBe(600);
    expect(result.meanLoss).toBeLessThan(Math.log(10)); // learned something over 600 samples
    expect(result.probs).toHaveLength(10);
    expect(result.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(result.accuracy).toBeGreaterThan(0.5); // 1,000 test images after 600 samples (chance: 0.1)
  });

  it('(a) TypeScript: a strict nodenext project type-checks against the package\'s declarations', () => {
    writeFileSync(
      join(project, 'check.ts'),
      `import { loadCnnlab, LIMITS, type CnnModel, type NetworkConfig } from 'cnnlab';
import type { CnnLabElement } from 'cnnlab/element';
const cnnlab = await loadCnnlab();
const config: NetworkConfig = { activation: 'tanh', pooling: 'max', maps1: 4, maps2: 6, hidden: 50 };
const model: CnnModel = cnnlab.createModel(config, 7, { learningRate: LIMITS.learningRate.default });
const probs: Float32Array = model.predict(new Float32Array(784));
// @ts-expect-error: train takes a number of samples
model.train('many');
// @ts-expect-error: no such activation
cnnlab.createModel({ activation: 'softsign' });
const lab: CnnLabElement = document.createElement('cnn-lab');
const state: string = lab.state();
export { probs, state };
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [], skipLibCheck: false },
        files: ['check.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8' });
  });

  it('(b) a browser: the installed dist/ on a CDN origin, <cnn-lab> on a course page of another origin shows, predicts and trains', async () => {
    const installed = join(project, 'node_modules/cnnlab/dist');
    const cdn = await serveDist({ root: installed, mount: `/npm/cnnlab@${VERSION}/dist/`, cors: true });
    const site = await serveDist({ mount: '/nothing-here/' });
    site.override(
      '/lesson.html',
      new TextEncoder().encode(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lesson 5</title><link rel="icon" href="data:,">
<script type="module" src="${cdn.url}npm/cnnlab@${VERSION}/dist/cnn-lab.js"></script>
<style>body { font: 18px/1.6 Georgia, serif; max-width: 1000px; margin: 0 auto; padding: 0 16px }</style></head>
<body><h1>Lesson 5: a network you can train</h1><p>Draw a digit, then press Start.</p>
<cnn-lab id="lab" panels="training,draw" train-size="10000"></cnn-lab><p>End of the lesson.</p></body></html>`),
    );
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
    try {
      const { page, errors } = await openPage(context, `${site.url}lesson.html`);
      expect(new URL(site.url).origin).not.toBe(new URL(cdn.url).origin);
      const lab = page.locator('#lab');
      const state = () => lab.evaluate((e) => (e as HTMLElement & { state(): string }).state());
      await expect.poll(state, { timeout: 60_000 }).toBe('idle');
      await drawDigitOn(page, lab.getByTestId('drawpad'), 7);
      await expect.poll(() => lab.getByTestId('prediction').textContent(), { timeout: 15_000 }).toBe('7');
      await lab.getByTestId('start').click();
      await expect.poll(() => lab.evaluate((e) => (e as HTMLElement & { lossSeries(): number[] }).lossSeries().length), { timeout: 60_000 }).toBeGreaterThan(5);
      expect(await state()).toBe('running');
      await page.screenshot({ path: screenshotPath('package-course-page'), fullPage: true });
      const served = cdn.served();
      expect(served.get(`/npm/cnnlab@${VERSION}/dist/data/mnist/train-images-idx3-ubyte.gz`)?.requests).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await site.close();
      await cdn.close();
    }
  });
});
