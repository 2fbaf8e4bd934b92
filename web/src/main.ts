// Entry point of the page (web/index.html). Everything runs from here: no inline
// scripts, so the page works under `script-src 'self' 'wasm-unsafe-eval'`.
import './ui/components.css';
import './styles.css';
import { App } from './app/app';

try {
  new App();
} catch (error) {
  const status = document.getElementById('status');
  const message = error instanceof Error ? error.message : String(error);
  if (status) {
    status.textContent = `cnnlab could not start: ${message}`;
    status.setAttribute('role', 'alert');
  }
  throw error;
}
