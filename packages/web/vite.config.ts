import { defineConfig } from 'vite';

// The pages are served by Conclave itself: `/join` is `join.html`, its assets under `/assets/`
// with content hashes in their names (cached for a year). No inline scripts or styles, so the
// server's Content Security Policy can stay at 'self'.
export default defineConfig({
  base: '/',
  resolve: { conditions: ['source'] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: { input: { join: 'join.html', console: 'console.html' } },
  },
  server: { proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } } },
});
