import { configFromEnv } from './config.js';
import { janusOptions, startSpaceServer } from './app.js';
import { DEBIAN_JANUS_LIB, writeJanusConfig } from './janus/config.js';

/** `npm run server`: the Space server with its own Janus, configured from the environment. */
const config = configFromEnv();
if (process.argv[2] === 'janus-config') {
  // `node out/server/main.js janus-config DIR`: the Janus config for spaces-janus.service (docs/deploy.md).
  const dir = process.argv[3];
  if (!dir) throw new Error('usage: main.js janus-config DIR');
  console.log(writeJanusConfig({ ...janusOptions(config, dir), pluginsFolder: `${DEBIAN_JANUS_LIB}/plugins`, transportsFolder: `${DEBIAN_JANUS_LIB}/transports` }));
  process.exit(0);
}
const server = await startSpaceServer(config);
server.log.info({ url: server.url, dataDir: config.dataDir, janus: config.janusUrl ?? `own, pid ${server.janus?.pid}` }, `Space server listening on ${server.url}`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
