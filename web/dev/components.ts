// Dev demo of the teaching components (not linked from the app): DrawPad →
// preprocessInk → model.predict → ProbabilityBars + NetworkView, all on the main
// thread. Serve with `npx vite web --port 5180` and open /dev/components.html.
// `?train` trains a fresh model for one epoch at start instead of loading weights.
import '../src/ui/components.css';
import { loadCnnlab, type Cnnlab, type CnnModel, type NetworkConfig } from '../src/core/cnnlab';
import { loadMnist, MNIST_FILES, type Mnist } from '../src/data/mnist';
import { DrawPad, type DrawInput } from '../src/ui/drawpad';
import { NetworkView } from '../src/ui/network-view';
import { ProbabilityBars } from '../src/ui/probability-bars';

// Files outside the vite root (web/): vite's dev server serves these URLs.
const DATA_URLS: Record<string, URL> = {
  [`${MNIST_FILES.trainImages}.gz`]: new URL('../../public/data/mnist/train-images-idx3-ubyte.gz', import.meta.url),
  [`${MNIST_FILES.trainLabels}.gz`]: new URL('../../public/data/mnist/train-labels-idx1-ubyte.gz', import.meta.url),
  [`${MNIST_FILES.testImages}.gz`]: new URL('../../public/data/mnist/t10k-images-idx3-ubyte.gz', import.meta.url),
  [`${MNIST_FILES.testLabels}.gz`]: new URL('../../public/data/mnist/t10k-labels-idx1-ubyte.gz', import.meta.url),
};
const WEIGHTS_URL = new URL('../../public/models/cnnlab-default.json', import.meta.url);

const CONFIGS: Record<string, Partial<NetworkConfig>> = {
  default: {},
  'tanh-max': { activation: 'tanh', pooling: 'max' },
  wide: { maps1: 8, maps2: 12, hidden: 100 },
  narrow: { activation: 'sigmoid', maps1: 2, maps2: 3, hidden: 20 },
};

function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} missing`);
  return e as T;
}

const status = byId<HTMLElement>('status');
const say = (text: string) => (status.textContent = text);

let core: Cnnlab;
let model: CnnModel | null = null;
let mnist: Mnist | null = null;
let current: Float32Array | null = null;
let lastRenderMs = 0;

const bars = new ProbabilityBars(byId('bars'));
const net = new NetworkView(byId('net'));
const pad = new DrawPad(byId('pad'), { onChange: (input) => show(input) });

let changes = 0;
function show(input: DrawInput | null): void {
  // counted for the browser checks: how often, and with what, onChange was called
  document.body.dataset['changes'] = String(++changes);
  document.body.dataset['lastChange'] = input ? 'image' : 'null';
  current = input ? input.image : null;
  refresh();
}

function refresh(): void {
  if (!model) return;
  const image = current ?? new Float32Array(784);
  const probs = model.predict(image);
  bars.update(current ? probs : null);
  const snapshot = model.snapshot();
  const t0 = performance.now();
  net.render(snapshot);
  lastRenderMs = performance.now() - t0;
  document.body.dataset['renderMs'] = lastRenderMs.toFixed(2);
}

async function data(): Promise<Mnist> {
  if (!mnist) {
    say('loading MNIST…');
    mnist = await loadMnist({
      baseUrl: '/',
      fetch: (input, init) => {
        const name = String(input).split('/').pop() ?? '';
        const url = DATA_URLS[name];
        return url ? fetch(url, init) : Promise.resolve(new Response(null, { status: 404 }));
      },
    });
  }
  return mnist;
}

async function train(config: Partial<NetworkConfig>): Promise<void> {
  const m = await data();
  const fresh = core.createModel(config, 1);
  const train = core.createDataset(m.train.images, m.train.labels);
  const test = core.createDataset(m.test.images, m.test.labels);
  fresh.setTrainingData(train);
  const chunk = 2000;
  for (let done = 0; done < m.train.count; done += chunk) {
    fresh.train(Math.min(chunk, m.train.count - done));
    say(`training 1 epoch… ${Math.round((100 * (done + chunk)) / m.train.count)}%`);
    await new Promise((r) => setTimeout(r, 0));
  }
  const acc = fresh.evaluate(test).accuracy;
  test.dispose();
  model?.dispose();
  model = fresh; // the training dataset stays alive with the model (demo only)
  say(`trained 1 epoch: ${(acc * 100).toFixed(2)}% on the 10,000 test digits`);
  document.body.dataset['status'] = 'ready';
  document.body.dataset['accuracy'] = String(acc);
  refresh();
}

async function loadDefault(): Promise<boolean> {
  const response = await fetch(WEIGHTS_URL).catch(() => null);
  if (!response?.ok) return false;
  const text = await response.text();
  if (!text.trimStart().startsWith('{')) return false;
  model?.dispose();
  model = core.modelFromWeights(text);
  say('loaded public/models/cnnlab-default.json');
  document.body.dataset['status'] = 'ready';
  refresh();
  return true;
}

async function main(): Promise<void> {
  core = await loadCnnlab({ wasmUrl: new URL('../src/wasm/cnnlab.wasm', import.meta.url) });
  const wantTrain = new URLSearchParams(location.search).has('train');
  if (wantTrain || !(await loadDefault())) await train({});

  byId('train').addEventListener('click', () => void train(CONFIGS[byId<HTMLSelectElement>('config').value] ?? {}));
  byId('load').addEventListener('click', () => void loadDefault());
  byId('config').addEventListener('change', () => {
    const config = CONFIGS[byId<HTMLSelectElement>('config').value] ?? {};
    model?.dispose();
    model = core.createModel(config, 1); // untrained: shows the shapes; press Train
    say(`fresh untrained model: ${JSON.stringify(model.config)}`);
    refresh();
  });
  byId('show').addEventListener('click', async () => {
    const m = await data();
    const i = Math.max(0, Math.min(m.test.count - 1, Number(byId<HTMLInputElement>('digit').value) || 0));
    const image = new Float32Array(784);
    for (let k = 0; k < 784; k++) image[k] = m.test.images[i * 784 + k]! / 255;
    pad.setImage(image);
    say(`test digit #${i}, label ${m.test.labels[i]}`);
  });
  // hooks for the browser checks
  Object.assign(window, {
    cnnlabDemo: { pad, bars, net, train, refresh, renderMs: () => lastRenderMs, model: () => model, input: () => current },
  });
}

main().catch((error: unknown) => {
  say(`error: ${error instanceof Error ? error.message : String(error)}`);
  document.body.dataset['status'] = 'error';
  throw error;
});
