import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The dashboard build. `npm run build` (and so npm's prepare step on install) runs it
 * through bin/build-dashboard.js; the API serves dashboard/dist at `/`.
 *
 * `npx vite --config dashboard/vite.config.ts` serves it with hot reload, proxying the
 * API, bull-board and Socket.IO to a `nox up` on NOX_API (default http://127.0.0.1:3000).
 */
const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.NOX_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // the PrimeReact themes are inlined as strings so light/dark can be swapped at runtime
    chunkSizeWarningLimit: 2000,
  },
  server: {
    proxy: {
      '/api': api,
      '/admin': api,
      '/socket.io': { target: api, ws: true },
    },
  },
});
