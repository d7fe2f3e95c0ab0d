import { defineConfig } from 'vite';
import { resolve } from 'node:path';

/** The listener page, served by the Space server at /s/<id>, the clip page at /c/<id>, the home pages' frame and the player to embed (assets under /assets/). */
export default defineConfig({
  root: resolve(import.meta.dirname, 'src/listener'),
  base: '/',
  build: {
    outDir: resolve(import.meta.dirname, 'out/listener'),
    emptyOutDir: true,
    target: 'es2022',
    // The Space page, the clip page (/c/<id>, issue 12), the frame of the server-rendered pages
    // and the embeddable player (issue 21). public/sw.js (the service worker) is copied as is.
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'src/listener/index.html'),
        clip: resolve(import.meta.dirname, 'src/listener/clip.html'),
        home: resolve(import.meta.dirname, 'src/listener/home.html'),
        embed: resolve(import.meta.dirname, 'src/listener/embed.html'),
      },
    },
  },
});
