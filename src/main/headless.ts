import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { startWebBridge, type WebBridge } from './webBridge.js';
import { createStudioServices } from './studioServices.js';

export const RENDERER_DIST = fileURLToPath(new URL('../../out/renderer', import.meta.url));

/**
 * The Studio without Electron: the same main-process services, the renderer served to a browser
 * on loopback. Used where the Electron binary cannot be had, and by the end-to-end tests.
 */
export async function startHeadlessStudio(opts: {
  dataDir: string;
  port?: number;
  /** Loopback by default; tests that put the browser in another network namespace pass an address it can reach. */
  host?: string;
  serverUrl?: string;
  rendererDir?: string;
}) {
  let bridge: WebBridge | undefined;
  const services = createStudioServices({
    dataDir: opts.dataDir,
    emit: (event, payload) => bridge?.emit(event, payload),
    defaults: opts.serverUrl ? { serverUrl: opts.serverUrl } : {},
  });
  bridge = await startWebBridge({ handlers: services.handlers, rendererDir: opts.rendererDir ?? RENDERER_DIST, port: opts.port, host: opts.host });
  return {
    url: bridge.url,
    service: services.service,
    async close() {
      await bridge?.close();
      services.close();
    },
  };
}

// `tsx src/main/headless.ts`: run it as a program (npm start falls back to this).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const studio = await startHeadlessStudio({
    dataDir: resolve(process.env.STUDIO_DATA_DIR ?? '.data/studio'),
    port: Number(process.env.STUDIO_PORT ?? 5810),
    serverUrl: process.env.STUDIO_SERVER_URL,
  });
  console.log(`Studio (browser mode) ready. Open this link once, in Chromium or Chrome:\n  ${studio.url}`);
  const stop = async (): Promise<void> => {
    await studio.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
