import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTypes } from '../../src/shared/signaling.js';
import { ErrorCode } from '../../src/shared/errors.js';
import type { RunningServer } from '../../src/server/app.js';
import { apiClient } from '../support/apiClient.js';
import { rawClient } from '../support/wsClient.js';
import { startTestServer } from '../support/stack.js';

/**
 * 10,000 random and malformed messages from several connections (guests who joined the Space and
 * strangers who did not): the server stays up, answers every request with a reply or a typed
 * error, and the Space's roles, queue and stage are exactly as before.
 */
const MESSAGES = 10_000;

function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe('fuzz: the signaling server under random input', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startTestServer({ janusWsPort: 8193 });
  });
  afterAll(async () => server?.close());

  it(`${MESSAGES} messages: no crash, typed answers, state unchanged`, async () => {
    const host = await apiClient(server.url);
    await host.request('auth.register', { handle: 'fuzz_host', displayName: 'Host', password: 'correct horse battery' });
    const { space } = await host.request('space.create', { title: 'Fuzzed' });
    const spaceId = space.id;
    await host.request('space.join', { spaceId });
    const speaker = await apiClient(server.url);
    const { account } = await speaker.request('auth.register', { handle: 'fuzz_spk', displayName: 'Spk', password: 'correct horse battery' });
    await speaker.request('space.join', { spaceId });
    await host.request('invite.send', { spaceId, memberId: `a_${account.id}` });
    await speaker.request('invite.accept', { spaceId });
    const requester = await apiClient(server.url);
    await requester.request('auth.register', { handle: 'fuzz_req', displayName: 'Req', password: 'correct horse battery' });
    await requester.request('space.join', { spaceId });
    await requester.request('request.raise', { spaceId });
    const snapshot = async (): Promise<string> => {
      const joined = await host.request('space.join', { spaceId });
      return JSON.stringify({ state: joined.space.state, stage: joined.roster.stage, requests: joined.roster.requests });
    };
    const before = await snapshot();
    const hostMember = JSON.parse(before).stage[0].id as string;

    const fuzzers = await Promise.all(Array.from({ length: 4 }, () => rawClient(server.url)));
    // Two fuzzers are guests inside the Space; two are strangers.
    await fuzzers[0]!.request('j0', 'space.join', { spaceId, displayName: 'Fuzz A' });
    await fuzzers[1]!.request('j1', 'space.join', { spaceId, displayName: 'Fuzz B' });
    const random = rng(20261121);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const junkValues = [null, true, 0, -1, 1e308, '', 'x'.repeat(70), '../../etc/passwd', '__proto__', [], {}, { $gt: '' }, spaceId, hostMember, 'a_' + 'x'.repeat(8)];
    const randomParams = (): unknown => {
      const keys = ['spaceId', 'memberId', 'sdp', 'title', 'handle', 'password', 'token', 'reaction', 'displayName', 'handTo', '__proto__', 'constructor'];
      const o: Record<string, unknown> = {};
      const n = Math.floor(random() * 4);
      for (let i = 0; i < n; i++) o[pick(keys)] = pick(junkValues);
      if (random() < 0.5) o.spaceId = spaceId;
      return random() < 0.1 ? pick(junkValues) : o;
    };
    let expectedAnswers = 0;
    const ids = new Set<string>();
    for (let i = 0; i < MESSAGES; i++) {
      const f = pick(fuzzers);
      const kind = random();
      if (kind < 0.1) {
        f.send(Buffer.from(Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256))));
      } else if (kind < 0.2) {
        f.send(JSON.stringify(pick(junkValues)) + (random() < 0.5 ? '}' : ''));
      } else {
        const id = `f${i}`;
        ids.add(id);
        expectedAnswers++;
        const type = kind < 0.3 ? pick(['nope', '', 'space', 'auth.signIn '.repeat(3), 'toString', 'hasOwnProperty']) : pick(requestTypes);
        f.send({ id, type, params: randomParams() });
      }
      if (i % 500 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    // Every request gets exactly one answer: a reply or an error with a known code.
    await expect
      .poll(() => fuzzers.reduce((n, f) => n + f.frames.filter((x) => typeof x.id === 'string' && ids.has(x.id)).length, 0), { timeout: 60_000 })
      .toBe(expectedAnswers);
    for (const f of fuzzers) {
      for (const frame of f.frames) {
        if (frame.type === 'error') expect(ErrorCode.options).toContain((frame.error as { code: string }).code);
        else expect(['reply', 'space.updated', 'space.roster', 'space.self', 'space.reaction', 'space.speaking', 'media.reset']).toContain(frame.type);
      }
      expect(f.ws.readyState).toBe(f.ws.OPEN);
    }
    expect(await snapshot()).toBe(before);
    // The server still serves everyone.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    for (const f of fuzzers) f.close();
    for (const c of [host, speaker, requester]) c.close();
  }, 180_000);
});
