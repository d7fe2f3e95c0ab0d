import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSpaceServer, type RunningServer } from '../../src/server/app.js';
import { configFromEnv, type ServerConfig } from '../../src/server/config.js';
import { startHeadlessStudio } from '../../src/main/headless.js';

/** Media tests need the namespace scripts/in-netns.sh makes (Janus ignores loopback for ICE). */
export function requireNetns(): void {
  if (process.env.SPACES_NETNS !== '1') {
    throw new Error('media tests run inside a private network namespace: use `npm run test:e2e` (scripts/in-netns.sh)');
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `spaces-${prefix}-`));
}

/** A Space server with its own Janus, media on the namespace's bridge d0. */
export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<RunningServer> {
  return startSpaceServer(
    configFromEnv({}, { dataDir: tempDir('server'), port: 0, janusIceEnforceList: 'd0', janusWsPort: 8188, logLevel: 'warn', ...overrides }),
  );
}

/**
 * Server settings for the LiveKit engine (issue 20): its own livekit-server from
 * scripts/setup-livekit.sh, on the namespace's bridge. `port` apart per test file.
 */
export function livekitConfig(port: number): Partial<ServerConfig> {
  return { media: 'livekit', livekitNodeIp: '10.99.0.1', livekitInterfaces: 'd0', livekitPort: port, livekitRtcPort: port + 2 };
}

/** The Studio's real main-process services, with the built renderer served to a test browser. */
export async function startTestStudio(serverUrl: string, opts: { host?: string } = {}) {
  return startHeadlessStudio({ dataDir: tempDir('studio'), serverUrl, host: opts.host });
}
