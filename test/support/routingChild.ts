import { openStudioDb } from '../../src/main/services/studioDb.js';
import { AudioRouting } from '../../src/main/services/audioRouting.js';

/**
 * The Studio's routing service alone in a child process, so a test can SIGKILL it (a crash) and
 * check what the next start cleans up. Prints one JSON line with its inventory once ready.
 */
const routing = new AudioRouting(openStudioDb(':memory:'), () => undefined, { retryMs: 0 });
await routing.start();
process.stdout.write(`${JSON.stringify(routing.inventory())}\n`);
process.on('SIGTERM', () => {
  routing.dispose();
  process.exit(0);
});
setInterval(() => undefined, 60_000);
