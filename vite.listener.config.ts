import { defineConfig } from 'vite';
import { resolve } from 'node:path';

/** The listener page, served by the Space server at /s/<id> (assets under /assets/). */
export default defineConfig({
  root: resolve(import.meta.dirname, 'src/listener'),
  base: '/',
  build: { outDir: resolve(import.meta.dirname, 'out/listener'), emptyOutDir: true, target: 'es2022' },
});
