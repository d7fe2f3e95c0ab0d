import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import type { RunningServer } from '../../src/server/app.js';
import WebSocket from 'ws';
import { SignalingClient } from '../../src/shared/signalingClient.js';
import { launchChromium } from '../support/browser.js';
import { makeTestCa, SITE_IP, startCoturn, startNginx, TURN_IP } from '../support/deployment.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';

/**
 * Issue 18, item 11: an operator follows docs/deploy.md to the letter. The site and the relay have
 * host names (spaces.test, turn.spaces.test: /etc/hosts in a private mount namespace for the
 * check), nginx and coturn run Debian's binaries with the configs rendered from deploy/, and coturn
 * allows only the media server as a private peer (section 6). deploy-check must report success;
 * the Studio given http:// for this https-only server must say to use https://.
 */
const execFileAsync = promisify(execFile);

describe('following docs/deploy.md: deploy-check with host names, the Studio given http://', () => {
  const secret = randomBytes(24).toString('base64url');
  let server: RunningServer;
  let tlsServer: RunningServer;
  let studio: Awaited<ReturnType<typeof startTestStudio>>;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let coturn: Awaited<ReturnType<typeof startCoturn>>;
  let browser: Browser;
  let page: Page;
  let caCert = '';
  let hosts = '';
  let tlsPort = 0;

  beforeAll(async () => {
    requireNetns();
    // `replace`: idempotent, whichever test file ran before; removed again in afterAll.
    execFileSync('ip', ['addr', 'replace', `${TURN_IP}/24`, 'dev', 'd0']);
    const dir = tempDir('deploy-guide');
    hosts = join(dir, 'hosts');
    writeFileSync(hosts, `127.0.0.1 localhost\n${SITE_IP} spaces.test\n${TURN_IP} turn.spaces.test\n`);
    const ca = makeTestCa(join(dir, 'ca'));
    caCert = ca.caCert;
    const site = ca.issue('site', ['DNS:spaces.test', `IP:${SITE_IP}`]);
    const relay = ca.issue('turn', ['DNS:turn.spaces.test', `IP:${TURN_IP}`]);
    coturn = await startCoturn(join(dir, 'coturn'), { secret, cert: relay.cert, key: relay.key });
    // As section 7 now says: media only on the site's address, though the relay's is on d0 too.
    server = await startTestServer({ janusWsPort: 8198, publicUrl: 'https://spaces.test', turnSecret: secret, turnUrls: 'turn:turn.spaces.test:3478?transport=udp', janusIceEnforceList: SITE_IP });
    const port = (server.http.address() as { port: number }).port;
    nginx = await startNginx(join(dir, 'nginx'), { upstream: `127.0.0.1:${port}`, cert: site.cert, key: site.key });
    // A Space server that serves HTTPS itself (SPACES_TLS_CERT), on the site address; its Janus
    // enforces the interface (d0), as the guide used to say.
    tlsServer = await startTestServer({ janusWsPort: 8199, host: SITE_IP, tlsCert: site.cert, tlsKey: site.key, janusIceEnforceList: 'd0' });
    tlsPort = (tlsServer.http.address() as { port: number }).port;
    studio = await startTestStudio(`http://127.0.0.1:${port}`);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(studio.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await studio?.close();
    await nginx?.stop();
    await coturn?.stop();
    await tlsServer?.close();
    await server?.close();
    execFileSync('ip', ['addr', 'del', `${TURN_IP}/24`, 'dev', 'd0'], { stdio: 'ignore' });
  });

  it('scripts/deploy-check.sh with the guide\'s host names reports every check passed (coturn allows only the media server)', async () => {
    // The check resolves names through /etc/hosts, bind-mounted for it alone.
    const run = async (): Promise<{ code: number; out: string }> => {
      const args = ['-m', 'bash', '-c', 'mount --bind "$0" /etc/hosts && exec bash scripts/deploy-check.sh "$@"', hosts,
        '--url', 'https://spaces.test', '--ca', caCert, '--turn', 'turn.spaces.test', '--turn-secret', secret, '--janus', 'ws://127.0.0.1:8198'];
      try {
        return { code: 0, out: (await execFileAsync('unshare', args)).stdout };
      } catch (err) {
        const e = err as { code: number; stdout: string };
        return { code: e.code, out: e.stdout };
      }
    };
    const good = await run();
    console.info(good.out);
    expect(good.out).not.toContain('FAIL');
    expect(good.out).toMatch(/ok {4}TURN: an allocation over UDP at turn\.spaces\.test:3478/);
    expect(good.out).toMatch(/ok {4}TURN: an allocation over TCP at turn\.spaces\.test:3478/);
    expect(good.out).toContain('ok    TURN: TLS on turn.spaces.test:443 answers with a trusted certificate');
    expect(good.out).toContain('ok    TLS: the certificate of spaces.test is trusted');
    expect(good.out).toContain('deploy-check: all checks passed');
    expect(good.code).toBe(0);
  });

  const connectTo = async (url: string): Promise<void> => {
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByLabel('Server URL').fill(url);
    await page.getByRole('button', { name: /^(Connect|Reconnect)$/ }).click();
  };

  it('the Studio given http:// for the site behind nginx (port 80 redirects) says to use https://', async () => {
    await connectTo(`http://${SITE_IP}`);
    await expect.poll(() => page.locator('.warning').textContent(), { timeout: 20_000 }).toBe(`${SITE_IP} accepts only secure connections: use https://${SITE_IP} (https://, not http://).`);
    expect(await page.getByTestId('connection-status').textContent()).not.toBe('connected');
  });

  it('the Studio given http:// for a Space server serving HTTPS itself says to use https://, in Italian too', async () => {
    await connectTo(`http://${SITE_IP}:${tlsPort}`);
    await expect.poll(() => page.locator('.warning').textContent(), { timeout: 20_000 }).toBe(`${SITE_IP}:${tlsPort} accepts only secure connections: use https://${SITE_IP}:${tlsPort} (https://, not http://).`);
    await page.getByRole('combobox', { name: 'Language' }).selectOption('it');
    await expect.poll(() => page.locator('.warning').textContent()).toBe(`${SITE_IP}:${tlsPort} accetta solo connessioni sicure: usa https://${SITE_IP}:${tlsPort} (https://, non http://).`);
    await page.screenshot({ path: 'docs/screenshots/studio-use-https-it.png' });
    await page.getByRole('combobox', { name: 'Lingua' }).selectOption('en');
  });

  /** The addresses Janus offers a host going live (its answer to the stage offer), as the host's browser gets them. */
  async function janusAddresses(serverUrl: string): Promise<string[]> {
    const client = new SignalingClient(serverUrl.replace(/^http/, 'ws') + '/ws', (u) => new WebSocket(u, { rejectUnauthorized: false }) as never, 10_000);
    await client.connect();
    try {
      await client.request('auth.register', { handle: `ice_${randomBytes(3).toString('hex')}`, displayName: 'Ice host', password: 'correct horse battery' });
      const { space } = await client.request('space.create', { title: 'Which addresses' });
      await client.request('space.join', { spaceId: space.id });
      const offer = await page.evaluate(async () => {
        const pc = new RTCPeerConnection({ iceServers: [] });
        pc.addTransceiver('audio', { direction: 'sendrecv' });
        await pc.setLocalDescription(await pc.createOffer());
        const sdp = pc.localDescription!.sdp;
        pc.close();
        return sdp;
      });
      const { sdp } = await client.request('stage.join', { spaceId: space.id, sdp: offer });
      return [...new Set([...sdp.matchAll(/^a=candidate:\S+ \d+ \S+ \d+ (\S+) /gm)].map((m) => m[1]!))];
    } finally {
      client.close();
    }
  }

  it('Janus offers only the site address when JANUS_ICE_ENFORCE_LIST is that address; the interface would offer the relay\'s too', async () => {
    const enforced = await janusAddresses(`http://127.0.0.1:${(server.http.address() as { port: number }).port}`);
    expect(enforced).toContain(SITE_IP);
    expect(enforced).not.toContain(TURN_IP);
    const byInterface = await janusAddresses(`https://${SITE_IP}:${tlsPort}`);
    expect(byInterface).toEqual(expect.arrayContaining([SITE_IP, TURN_IP]));
  });
});
