import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The panel: React without @vitejs/plugin-react (Vite's own oxc transform handles TSX with the automatic
 * runtime). `base: './'` so the same build loads from the core's HTTP server, app:// in Electron, or file://.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 900,
  },
  server: {
    // `npm run dev:renderer` with a core on :8000: the API and media go through the dev server
    proxy: {
      '/api': { target: 'http://127.0.0.1:8000', ws: true },
      '^/[^/]+/[^/]+\\.flv': { target: 'http://127.0.0.1:8000', ws: true },
    },
  },
});
