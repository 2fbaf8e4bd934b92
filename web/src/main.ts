// Entry point of the page (web/index.html). Everything runs from here: no inline
// scripts, so the page works under `script-src 'self' 'wasm-unsafe-eval'`.
// The page is one user of App: the document holds the skeleton, the options live
// in the URL hash (a link reproduces a run), window.__cnnlab has the test hooks.
import './ui/theme.css';
import './ui/components.css';
import './styles.css';
import './ui/a11y.css';
import { App } from './app/app';
import { errorText } from './core/util';
import { keepDownloadsOffline, registerServiceWorker } from './app/offline';
import { pageFiles } from './data/file-share';
import { formatHash, formatRuns, PANELS, parseHash } from './app/settings';
import type {} from './app/test-hooks'; // declares window.__cnnlab
import { themeToggle } from './app/theme';

document.getElementById('theme-slot')?.append(themeToggle());

// The service worker's precache starts once the page has its own first files (the
// .wasm, the weights): started at 'load', it downloaded them a second time while the
// page's requests were still in flight (1.75 MB before Start instead of 1.3 MB).
let workerReady: () => void = () => {};
const firstFilesIn = new Promise<void>((resolve) => (workerReady = resolve));

try {
  const app = new App({
    root: document,
    stateHost: document.body,
    options: parseHash(location.hash),
    assetBase: new URL(import.meta.env.BASE_URL, document.baseURI).href,
    keepRun: true,
    onWorkerReady: () => workerReady(),
    onOptionsChange: (options) => {
      const hash = formatHash(options);
      if (hash === location.hash || (hash === '' && location.hash === '')) return;
      history.replaceState(null, '', hash === '' ? location.pathname + location.search : hash);
    },
  });
  window.__cnnlab = app.hooks;
  // A link to a comparison opens at it.
  if (app.options.compare && !app.options.hidden.includes('compare')) document.getElementById('panel-compare')?.scrollIntoView({ block: 'start' });
  // Back/Forward or an edited link: asks in the page before a running network is discarded.
  window.addEventListener('hashchange', () => void app.requestOptions(parseHash(location.hash)));
  // "Embed this": the dialog (and <cnn-lab> for its previews) loads on the first click.
  document.getElementById('embed-open')?.addEventListener('click', () => {
    void import('./app/embed-dialog').then(({ openEmbedDialog }) => {
      const { settings, hidden, compare } = app.options;
      openEmbedDialog({
        settings,
        compare: compare ? formatRuns(compare) : null,
        panels: hidden.length > 0 ? PANELS.filter((p) => !hidden.includes(p)) : ['draw', 'network'],
        siteBase: new URL('./', document.baseURI).href,
        document,
      });
    });
  });
} catch (error) {
  const status = document.getElementById('status');
  const message = errorText(error);
  if (status) {
    status.textContent = `cnnlab could not start: ${message}`;
    status.setAttribute('role', 'alert');
  }
  throw error;
}

// The built site keeps itself for offline use (dist/sw.js); `npm start` does not.
registerServiceWorker(firstFilesIn);
keepDownloadsOffline(pageFiles);
