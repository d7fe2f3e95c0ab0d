import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import type { RunningServer } from '../src/server/app.js';
import { SignalingClient } from '../src/shared/signalingClient.js';
import { launchChromium } from '../test/support/browser.js';
import { homeTrusting, makeTestCa, SITE_IP, startCoturn, startNginx, TURN_IP } from '../test/support/deployment.js';
import { TestMachine } from '../test/support/netns.js';
import { requireNetns, startTestServer, tempDir } from '../test/support/stack.js';
import { percentile, round1 } from './stats.js';

export const description = 'listener join time (page open to audio) direct vs through TURN (UDP, TLS 443), behind a NAT, p50/p95';

/**
 * The deployment of test/e2e/internet.test.ts (nginx + test CA, coturn on its own address, a
 * listener machine behind an nftables NAT), and a host on stage sending a continuous tone. Each
 * join is a fresh browser context on the listener machine: open https://…/s/<id>, press Listen as
 * soon as it is enabled, and stop the clock when the <audio> element's stream first carries sound
 * (RMS over 10 ms > 0.01, measured in the page). Time is from navigation start (performance.now()).
 * Modes are the NAT machine's firewall: open (direct UDP to Janus allowed), UDP only to the TURN
 * port (relay over UDP), only TCP 443 (relay over TLS 443). The selected candidate is checked.
 */
const MODES = {
  direct: { rules: [] as string[], expect: ['host', 'srflx', 'prflx'] },
  // TCP stays open here, so Chromium may nominate its TURN/TCP allocation when the UDP one is slower.
  'turn-udp': { rules: [`iifname lan0 ip daddr ${TURN_IP} udp dport 3478 accept`, 'iifname lan0 meta l4proto udp drop'], expect: ['relay/udp', 'relay/tcp'] },
  'turn-tls': { rules: ['iifname lan0 tcp dport 443 accept', 'iifname lan0 drop'], expect: ['relay/tls'] },
} as const;
type Mode = keyof typeof MODES;

const WATCH = `(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.__firstSound = null;
  window.RTCPeerConnection = class extends Native {
    constructor(...a) {
      super(...a);
      window.__pcs.push(this);
      this.addEventListener('track', (e) => {
        const ctx = new AudioContext();
        const an = ctx.createAnalyser();
        an.fftSize = 512;
        ctx.createMediaStreamSource(e.streams[0] || new MediaStream([e.track])).connect(an);
        const buf = new Float32Array(480);
        const t = setInterval(() => {
          an.getFloatTimeDomainData(buf);
          let s = 0;
          for (const x of buf) s += x * x;
          if (Math.sqrt(s / buf.length) > 0.01) { window.__firstSound = performance.now(); clearInterval(t); }
        }, 5);
      });
    }
  };
})();`;

async function selected(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const pc = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.at(-1);
    if (!pc) return 'none';
    const stats: Array<Record<string, unknown>> = [];
    (await pc.getStats()).forEach((s: Record<string, unknown>) => stats.push(s));
    const tr = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
    const pair = stats.find((s) => s.id === tr?.selectedCandidatePairId);
    const local = stats.find((s) => s.id === pair?.localCandidateId);
    return local ? (local.candidateType === 'relay' ? `relay/${String(local.relayProtocol)}` : String(local.candidateType)) : 'none';
  });
}

export async function run(args: string[]): Promise<number> {
  requireNetns();
  const json = args.includes('--json');
  const n = Number(args[args.indexOf('--joins') + 1] ?? 0) || 12;
  const load = loadavg()[0]!;
  const secret = randomBytes(24).toString('base64url');
  const stopAll: Array<() => unknown> = [];
  const browsers: Browser[] = [];
  try {
    execFileSync('ip', ['addr', 'add', `${TURN_IP}/24`, 'dev', 'd0']);
    const ca = makeTestCa(tempDir('bench-ca'));
    const site = ca.issue('site', [`IP:${SITE_IP}`]);
    const relay = ca.issue('turn', [`IP:${TURN_IP}`]);
    const coturn = await startCoturn(tempDir('bench-coturn'), { secret, cert: relay.cert, key: relay.key });
    stopAll.push(() => coturn.stop());
    const server: RunningServer = await startTestServer({
      janusWsPort: 8211,
      publicUrl: `https://${SITE_IP}`,
      turnSecret: secret,
      turnUrls: `turn:${TURN_IP}:3478?transport=udp,turn:${TURN_IP}:3478?transport=tcp,turns:${TURN_IP}:443?transport=tcp`,
    });
    stopAll.push(() => server.close());
    const port = (server.http.address() as { port: number }).port;
    const nginx = await startNginx(tempDir('bench-nginx'), { upstream: `127.0.0.1:${port}`, cert: site.cert, key: site.key });
    stopAll.push(() => nginx.stop());
    const nat = await TestMachine.create('bnat', '10.99.0.31');
    const lan = await TestMachine.behindNat('blan', '192.168.78.2', nat, '192.168.78.1');
    stopAll.push(() => lan.destroy(), () => nat.destroy());

    // The host: a tone from Chromium's fake microphone, on stage through the server's own API.
    const dir = tempDir('bench-turn-audio');
    const tone = join(dir, 'tone.wav');
    execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', tone, 'synth', '30', 'sine', '440', 'gain', '-6']);
    const hostBrowser = await launchChromium({ micWav: tone });
    const listenerBrowser = await launchChromium({ executablePath: lan.chromiumWrapper(), env: { HOME: homeTrusting(tempDir('bench-home'), ca.caCert) } });
    browsers.push(hostBrowser, listenerBrowser);
    const hostPage = await hostBrowser.newPage();
    await hostPage.goto(`http://127.0.0.1:${port}/healthz`); // a secure context (localhost) for getUserMedia
    const host = new SignalingClient(`ws://127.0.0.1:${port}/ws`, (u) => new WebSocket(u) as never);
    stopAll.push(() => host.close());
    await host.connect();
    await host.request('auth.register', { handle: 'turn_bench_host', displayName: 'Host', password: 'turn bench password' });
    const { space } = await host.request('space.create', { title: 'TURN bench' });
    await host.request('space.join', { spaceId: space.id });
    const offer = await hostPage.evaluate(async () => {
      const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
      const pc = new RTCPeerConnection();
      (window as unknown as { pc: RTCPeerConnection }).pc = pc;
      mic.getTracks().forEach((t) => pc.addTrack(t, mic));
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
      return pc.localDescription!.sdp;
    });
    const { sdp } = await host.request('stage.join', { spaceId: space.id, sdp: offer });
    await hostPage.evaluate(async (answer) => (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription({ type: 'answer', sdp: answer }), sdp);

    const results: Record<string, { samples: number[]; paths: Record<string, number>; failed: number; errors: Set<string> }> = {};
    const only = args.includes('--modes') ? args[args.indexOf('--modes') + 1]!.split(',') : Object.keys(MODES);
    for (const mode of Object.keys(MODES).filter((m) => only.includes(m)) as Mode[]) {
      nat.setFirewall([...MODES[mode].rules]);
      const r = (results[mode] = { samples: [] as number[], paths: {} as Record<string, number>, failed: 0, errors: new Set<string>() });
      for (let i = 0; i < n + 1; i++) {
        const context = await listenerBrowser.newContext();
        const page = await context.newPage();
        await page.addInitScript(WATCH);
        try {
          await page.goto(`https://${SITE_IP}/s/${space.id}`);
          const listen = page.getByRole('button', { name: 'Listen' });
          await listen.click({ timeout: 10_000 }); // waits until it is enabled (the Space is live)
          await page.waitForFunction(() => (window as unknown as { __firstSound: number | null }).__firstSound !== null, null, { timeout: 20_000, polling: 20 });
          const ms = await page.evaluate(() => (window as unknown as { __firstSound: number }).__firstSound);
          const path = await selected(page);
          if (i > 0) {
            // The first join of each mode warms caches (page assets, TLS sessions): not counted.
            r.samples.push(ms);
            r.paths[path] = (r.paths[path] ?? 0) + 1;
          }
        } catch (err) {
          if (i > 0) r.failed++;
          r.errors.add(`${String(err).split('\n')[0]} (selected: ${await selected(page).catch(() => '?')})`);
        } finally {
          await context.close();
        }
      }
    }

    const rows = Object.entries(results).map(([mode, r]) => ({
      mode,
      joins: r.samples.length,
      failed: r.failed,
      p50_ms: round1(percentile(r.samples, 50)),
      p95_ms: round1(percentile(r.samples, 95)),
      min_ms: round1(Math.min(...r.samples)),
      max_ms: round1(Math.max(...r.samples)),
      paths: r.paths,
      errors: [...r.errors].slice(0, 3),
      // Every join took the path its firewall leaves (a direct join through the relay would not measure "direct").
      expected: r.samples.length > 0 && Object.keys(r.paths).every((p) => (MODES[mode as Mode].expect as readonly string[]).includes(p)),
    }));
    const out = { bench: 'turn', joins_per_mode: n, cores: cpus().length, load_avg_at_start: round1(load), results: rows };
    if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else {
      console.log(`listener join time, page open -> first sound (${n} joins per mode, load average ${load.toFixed(1)} at start)`);
      console.log('mode       joins  failed  p50 ms   p95 ms   min      max      selected candidate');
      for (const r of rows) console.log(`${r.mode.padEnd(10)} ${String(r.joins).padEnd(6)} ${String(r.failed).padEnd(7)} ${String(r.p50_ms).padEnd(8)} ${String(r.p95_ms).padEnd(8)} ${String(r.min_ms).padEnd(8)} ${String(r.max_ms).padEnd(8)} ${JSON.stringify(r.paths)}`);
      for (const r of rows) for (const e of r.errors) console.log(`  ${r.mode} failed: ${e}`);
    }
    return rows.every((r) => r.failed === 0 && r.expected) ? 0 : 1;
  } finally {
    await Promise.all(browsers.map((b) => b.close().catch(() => undefined)));
    for (const stop of stopAll.reverse()) await stop();
  }
}
