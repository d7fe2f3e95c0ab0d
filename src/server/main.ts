import { configFromEnv } from './config.js';
import { startSpaceServer } from './app.js';

/** `npm run server`: the Space server with its own Janus, configured from the environment. */
const config = configFromEnv();
const server = await startSpaceServer(config);
console.log(`Space server listening on ${server.url} (data: ${config.dataDir}; Janus: ${config.janusUrl ?? `own, pid ${server.janus?.pid}`})`);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
