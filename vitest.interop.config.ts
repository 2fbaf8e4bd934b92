import { defineConfig } from 'vitest/config';

// PyTorch round trip: tests/interop/ against the native CLI (build/), the WASM module and
// Debian's python3-torch for /usr/bin/python3.
export default defineConfig({
  test: {
    include: ['tests/interop/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});
