import { defineConfig } from 'vite';

// The page is built once (npm run setup) into web-client/dist and served by the token server,
// so the browser only ever talks to one origin plus LiveKit.
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  // livekit-client is most of the bundle; one chunk is fine for a one-page app
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 1024 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
