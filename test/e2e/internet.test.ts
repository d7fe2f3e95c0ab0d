import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envelope, makeSpeechWav, readWav, rms, segmentedLoopCorrelation } from '../support/audio.js';
import { launchChromium, recordElementEnvelope } from '../support/browser.js';
import { TestMachine } from '../support/netns.js';
import { requireNetns, startTestServer, startTestStudio, tempDir } from '../support/stack.js';
import { homeTrusting, makeTestCa, SITE_IP, startCoturn, startNginx, TURN_IP } from '../support/deployment.js';
import { createSpaceInStudio, registerInStudio, registerOnListenerPage } from '../support/studioPage.js';
import type { RunningServer } from '../../src/server/app.js';

/**
 * The Space on the internet: a "public" server machine (the test's namespace: nginx with a
 * certificate from a test CA at 10.99.0.1:443, the Space server behind it on loopback, Janus,
 * coturn at 10.99.0.2), a host machine on the same "internet" (d0), and a listener machine on a
 * private LAN behind a NAT machine (nftables masquerade) whose firewall lets only what each test
 * allows out. Everything is real: Debian's nginx, coturn, Janus and Chromium.
 */
const execFileAsync = promisify(execFile);
const SILENCE_RMS = 0.003;
const SITE = `https://${SITE_IP}`;
// Only the TURN port over UDP (TCP is free: the page, the WebSocket).
const UDP_ONLY_TO_TURN = [`iifname lan0 ip daddr ${TURN_IP} udp dport 3478 accept`, 'iifname lan0 meta l4proto udp drop'];
// A firewall that lets nothing out but TCP to port 443: the page through nginx, TURN over TLS.
const ONLY_TCP_443 = ['iifname lan0 tcp dport 443 accept', 'iifname lan0 drop'];

/** Keeps every RTCPeerConnection the page makes, to read getStats() (a test probe, not product code). */
const PROBE = `(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Native { constructor(...a) { super(...a); window.__pcs.push(this); } };
})();`;

/** The local candidate of the selected pair of the page's newest peer connection. */
async function selectedLocalCandidate(page: Page): Promise<{ candidateType: string; relayProtocol?: string; address?: string } | null> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const pc = pcs.filter((p) => p.connectionState === 'connected').at(-1);
    if (!pc) return null;
    const stats: Array<Record<string, unknown>> = [];
    (await pc.getStats()).forEach((s: Record<string, unknown>) => stats.push(s));
    const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
    const local = stats.find((s) => s.id === pair?.localCandidateId);
    return local ? { candidateType: String(local.candidateType), relayProtocol: local.relayProtocol as string | undefined, address: local.address as string | undefined } : null;
  });
}

describe('a Space on the internet: HTTPS through nginx, TURN through a NAT', () => {
  const secret = randomBytes(24).toString('base64url');
  let server: RunningServer;
  let studio: Awaited<ReturnType<typeof startTestStudio>>;
  let remote: Awaited<ReturnType<typeof startTestStudio>>;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let coturn: Awaited<ReturnType<typeof startCoturn>>;
  let caCert: string;
  let siteFingerprint: string;
  const machines: TestMachine[] = [];
  const browsers: Browser[] = [];
  let nat: TestMachine;
  let host: Page;
  let listener: Page;
  let hostRef: number[];
  let speakerRef: number[];
  let spaceId = '';

  beforeAll(async () => {
    requireNetns();
    // The relay's own address (in production: a second public IP, turn.example.com).
    // `replace`: idempotent, whichever test file ran before; removed again in afterAll.
    execFileSync('ip', ['addr', 'replace', `${TURN_IP}/24`, 'dev', 'd0']);
    const audio = tempDir('internet-audio');
    const hostWav = makeSpeechWav(audio, 'host', 'Good evening from the public server. Tonight we talk about routers, firewalls and relays.');
    const speakerWav = makeSpeechWav(audio, 'speaker', 'Hello from behind the firewall. I can speak through the relay, can you hear me well?');
    hostRef = envelope(readWav(hostWav));
    speakerRef = envelope(readWav(speakerWav));

    const ca = makeTestCa(tempDir('ca'));
    caCert = ca.caCert;
    const site = ca.issue('site', [`IP:${SITE_IP}`, 'DNS:spaces.test']);
    siteFingerprint = new X509Certificate(readFileSync(site.cert)).fingerprint256;
    const relay = ca.issue('turn', [`IP:${TURN_IP}`, 'DNS:turn.spaces.test']);

    coturn = await startCoturn(tempDir('coturn'), { secret, cert: relay.cert, key: relay.key });
    server = await startTestServer({
      janusWsPort: 8201,
      publicUrl: SITE,
      turnSecret: secret,
      turnUrls: `turn:${TURN_IP}:3478?transport=udp,turn:${TURN_IP}:3478?transport=tcp,turns:${TURN_IP}:443?transport=tcp`,
    });
    const port = (server.http.address() as { port: number }).port;
    nginx = await startNginx(tempDir('nginx'), { upstream: `127.0.0.1:${port}`, cert: site.cert, key: site.key });

    const hostMachine = await TestMachine.create('host', '10.99.0.20');
    nat = await TestMachine.create('nat', '10.99.0.30');
    const lan = await TestMachine.behindNat('lan', '192.168.77.2', nat, '192.168.77.1');
    machines.push(lan, nat, hostMachine);

    // The host's Studio: its services here, its renderer in Chromium on the host machine (an Electron
    // window is a secure context; the browser-mode bridge stands in for it over plain HTTP).
    studio = await startTestStudio(`http://127.0.0.1:${port}`, { host: SITE_IP });
    remote = await startTestStudio(SITE, { host: SITE_IP });
    const home = homeTrusting(tempDir('browser-home'), caCert);
    const [hostBrowser, listenerBrowser] = await Promise.all([
      launchChromium({ micWav: hostWav, executablePath: hostMachine.chromiumWrapper(), args: [`--unsafely-treat-insecure-origin-as-secure=${new URL(studio.url).origin},${new URL(remote.url).origin}`] }),
      launchChromium({ micWav: speakerWav, executablePath: lan.chromiumWrapper(), env: { HOME: home } }),
    ]);
    browsers.push(hostBrowser!, listenerBrowser!);
    host = await hostBrowser!.newPage();
    await host.goto(studio.url);
    listener = await (await listenerBrowser!.newContext()).newPage();
    await listener.addInitScript(PROBE);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close().catch(() => undefined)));
    await studio?.close();
    await remote?.close();
    await nginx?.stop();
    await coturn?.stop();
    await server?.close();
    for (const m of machines) m.destroy();
    execFileSync('ip', ['addr', 'del', `${TURN_IP}/24`, 'dev', 'd0'], { stdio: 'ignore' });
  });

  async function hears(page: Page, reference: number[], ms = 5000): Promise<{ r: number; level: number }> {
    const received = await recordElementEnvelope(page, '#audio', ms);
    const heard = { r: segmentedLoopCorrelation(received, reference), level: rms(received) };
    console.info(`heard: envelope r=${heard.r.toFixed(3)} rms=${heard.level.toFixed(4)}`);
    return heard;
  }

  async function listenOverHttps(page: Page): Promise<void> {
    await page.goto(`${SITE}/s/${spaceId}`);
    // A page with a certificate the browser trusts: a secure context, so the microphone is allowed.
    expect(await page.evaluate(() => window.isSecureContext && location.protocol)).toBe('https:');
    await expect.poll(() => page.locator('#state').textContent()).toBe('Live');
    await page.getByRole('button', { name: 'Listen' }).click();
  }

  it('behind a NAT that passes UDP only to the TURN port, the HTTPS listener page hears the host through the relay', async () => {
    nat.setFirewall(UDP_ONLY_TO_TURN);
    await registerInStudio(host, 'net_host', 'Nell Host');
    const link = await createSpaceInStudio(host, 'Across the NAT');
    spaceId = link.split('/s/')[1]!;
    await host.getByRole('button', { name: 'Go live' }).click();
    await expect.poll(() => host.getByTestId('space-state').textContent()).toBe('live');

    await listenOverHttps(listener);
    // Direct UDP to Janus is dropped: the pair in use goes through coturn (over UDP, or TCP 3478 if
    // Chromium's UDP allocation came second).
    await expect.poll(() => selectedLocalCandidate(listener).then((c) => c?.candidateType), { timeout: 20_000 }).toBe('relay');
    console.info(`selected: relay over ${(await selectedLocalCandidate(listener))?.relayProtocol}`);
    await new Promise((r) => setTimeout(r, 1000));
    await expect.poll(async () => (await hears(listener, hostRef)).r, { timeout: 20_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
  });

  it('with all UDP blocked and only TCP 443 let out, it still hears, over TURN/TLS on 443', async () => {
    nat.setFirewall(ONLY_TCP_443);
    await listenOverHttps(listener);
    await expect.poll(() => selectedLocalCandidate(listener).then((c) => c && `${c.candidateType}/${c.relayProtocol}`), { timeout: 30_000 }).toBe('relay/tls');
    await expect.poll(async () => (await hears(listener, hostRef)).r, { timeout: 20_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
    expect((await hears(listener, hostRef, 2000)).level).toBeGreaterThan(SILENCE_RMS * 3);
  });

  it('an invited listener behind that firewall speaks from the HTTPS page and another listener hears them', async () => {
    // The host's microphone off, so that what the other listener hears is the invited speaker.
    await host.getByRole('button', { name: 'Mute mic' }).click();
    await registerOnListenerPage(listener, 'lan_speaker', 'Lana');
    await listener.getByRole('button', { name: 'Request to speak' }).click();
    await expect.poll(() => host.locator('[data-testid^="request-"]').count()).toBe(1);
    await host.locator('[data-testid^="request-"]').getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => listener.getByText("You're on stage.").isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => selectedLocalCandidate(listener).then((c) => c && `${c.candidateType}/${c.relayProtocol}`), { timeout: 30_000 }).toBe('relay/tls');

    // Another listener on the same LAN, another browser.
    const other = await (await browsers[1]!.newContext()).newPage();
    await other.addInitScript(PROBE);
    await listenOverHttps(other);
    await expect.poll(async () => (await hears(other, speakerRef, 4000)).r, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(0.8);
  });

  it('the Studio refuses the HTTPS server whose certificate it does not trust, says so with the fingerprint, and connects once the user trusts it', async () => {
    // The second Studio (made in beforeAll) is pointed at the public address; Node does not know the test CA.
    const page = await (await browsers[0]!.newContext()).newPage();
    await page.goto(remote.url);
    await expect.poll(() => page.locator('.warning').textContent(), { timeout: 15_000 }).toContain(`The certificate of ${SITE_IP} is not trusted`);
    expect(await page.getByTestId('connection-status').textContent()).toBe('disconnected');
    expect(await page.getByTestId('certificate-fingerprint').textContent()).toBe(siteFingerprint);
    expect((await remote.service.getStatus()).state).toBe('disconnected');

    await page.getByRole('button', { name: /Trust this certificate/ }).click();
    await expect
      .poll(async () => `${await page.getByTestId('connection-status').textContent()} ${await page.locator('[role=alert], .warning').allTextContents()}`, { timeout: 15_000 })
      .toBe('connected ');
    expect(await page.locator('.warning').count()).toBe(0);
    await page.close();
  });

  it('nginx limits one client: a flood of 300 requests gets the burst through and the rest a 429', async () => {
    const { stdout } = await execFileAsync('curl', ['--parallel', '--parallel-max', '50', '-s', '--cacert', caCert, '-w', '%{http_code}\n',
      ...Array.from({ length: 300 }, () => ['-o', '/dev/null', `${SITE}/healthz`]).flat()]);
    const codes = stdout.trim().split('\n');
    const count = (c: string): number => codes.filter((x) => x === c).length;
    console.info(`200: ${count('200')}, 429: ${count('429')}`);
    expect(count('200') + count('429')).toBe(300);
    // 30 requests/s with a burst of 120 per client address (deploy/nginx/spaces.conf).
    expect(count('200')).toBeGreaterThanOrEqual(100);
    expect(count('429')).toBeGreaterThan(0);
  });

  it('scripts/deploy-check.sh passes against this deployment, and names the fault when coturn is stopped', async () => {
    // Asynchronously: the Space server answering through nginx runs in this very process.
    const check = async (): Promise<{ code: number; out: string }> => {
      try {
        const { stdout: out } = await execFileAsync('bash', ['scripts/deploy-check.sh', '--url', SITE, '--ca', caCert, '--turn', TURN_IP, '--turn-secret', secret, '--janus', 'ws://127.0.0.1:8201']);
        return { code: 0, out };
      } catch (err) {
        const e = err as { code: number; stdout: string };
        return { code: e.code, out: e.stdout };
      }
    };
    const good = await check();
    console.info(good.out);
    expect(good.code).toBe(0);
    expect(good.out).toContain('all checks passed');
    expect(good.out).not.toContain('FAIL');

    await coturn.stop();
    const bad = await check();
    console.info(bad.out);
    expect(bad.code).toBe(1);
    // Every TURN line fails and says coturn is not answering; the site itself is still fine.
    const failures = bad.out.split('\n').filter((l) => l.includes('FAIL'));
    expect(failures.length).toBeGreaterThanOrEqual(3);
    for (const line of failures) expect(line).toMatch(/TURN: .*(coturn is not running|no TURN answer)/);
    expect(bad.out).toMatch(/ok {4}TLS: the certificate of 10\.99\.0\.1 is trusted/);
    expect(bad.out).toContain('ok    WebSocket: /ws upgrades');

    // And with nginx stopped too, it says that nothing takes HTTPS connections.
    await nginx.stop();
    const down = await check();
    console.info(down.out);
    expect(down.code).toBe(1);
    expect(down.out).toContain(`FAIL  TLS: nothing accepts connections at ${SITE_IP}:443 (nginx not running, or port 443 closed in a firewall)`);
    expect(down.out).toContain('ok    Janus: its WebSocket API');
  });
});
