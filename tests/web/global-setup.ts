// Vitest global setup: runs the data step of `npm run prepare:data` once before the
// web tests, so public/data/mnist/*.gz exist (a no-op when they are up to date).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const script = fileURLToPath(new URL('../../web/scripts/prepare-data.mjs', import.meta.url));
  const result = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${script} failed with exit status ${result.status}`);
  }
}
