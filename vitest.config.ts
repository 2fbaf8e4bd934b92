import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/web/**/*.test.ts'],
    environment: 'node',
    // Makes public/data/mnist/*.gz (the same step as `npm run prepare:data`).
    globalSetup: ['tests/web/global-setup.ts'],
    // The tests use the real MNIST files and a real WASM module.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
