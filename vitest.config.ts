import { defineConfig } from 'vitest/config';

// Unit tests live beside their modules, in every room of the tree; tests that need the real stack
// (livekit-server in the test namespace) live in test/integration and run in their own config
// (vitest.integration.config.ts), one file at a time.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**', 'web-client/dist/**', 'test/integration/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
