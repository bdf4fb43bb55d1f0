import { defineConfig } from 'vitest/config';

// Tests on the real stack: livekit-server, Redis, the worker and the local Realtime stand-in, inside
// the test namespace. One file at a time: they share ports and the machine has two cores.
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
