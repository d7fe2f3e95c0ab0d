import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { STUDIO_CSP_META } from './src/shared/csp.js';

export default defineConfig({
  main: {
    build: { rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/main/index.ts') } } },
  },
  preload: {
    // Sandboxed preloads cannot require anything but electron: bundle the contract in.
    build: {
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
      externalizeDeps: false,
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    build: { rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') } } },
    // The renderer's meta CSP is the shared definition (src/shared/csp.ts), as the Electron and browser-mode headers are.
    plugins: [react(), { name: 'renderer-csp', transformIndexHtml: (html: string) => html.replace('%RENDERER_CSP%', STUDIO_CSP_META) }],
  },
});
