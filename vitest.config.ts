import { defineConfig } from 'vitest/config';

// Unit tests live beside their modules (agent/**, peer/**); tests that need the real stack
// (livekit-server in the test namespace) live in test/integration and run in one fork,
// one file at a time, because they share one server and one namespace.
export default defineConfig({
  test: {
    include: ['agent/**/*.test.ts', 'peer/**/*.test.ts', 'sip/**/*.test.ts', 'web-client/**/*.test.ts', 'scripts/**/*.test.ts', 'report/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'web-client/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
