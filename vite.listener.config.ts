import { defineConfig } from 'vite';
import { resolve } from 'node:path';

/** The listener page, served by the Space server at /s/<id>, and the clip page at /c/<id> (assets under /assets/). */
export default defineConfig({
  root: resolve(import.meta.dirname, 'src/listener'),
  base: '/',
  build: {
    outDir: resolve(import.meta.dirname, 'out/listener'),
    emptyOutDir: true,
    target: 'es2022',
    // The Space page and the clip page (/c/<id>, issue 12).
    rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/listener/index.html'), clip: resolve(import.meta.dirname, 'src/listener/clip.html') } },
  },
});
