import { RTCPeerConnection, RtpHeader, RtpPacket, useOPUS } from 'werift';
import WebSocket from 'ws';
import { SignalingClient } from '../../src/shared/signalingClient.js';
import { OPUS_SILENCE } from './opusFeed.js';

/** The namespace's bridge address (scripts/in-netns.sh): werift must gather only there. */
export const MEDIA_IP = process.env.SPACES_MEDIA_IP ?? '10.99.0.1';

/** A werift peer that never talks to a public STUN server and gathers only on the bridge. */
export function benchPeer(sending: boolean): RTCPeerConnection {
  return new RTCPeerConnection({
    iceServers: [],
    iceInterfaceAddresses: { udp4: MEDIA_IP },
    ...(sending ? { codecs: { audio: [useOPUS()] } } : {}),
  });
}

/** Resolves when the peer has gathered its candidates (the server relays full SDP, no trickle). */
export function gathered(pc: RTCPeerConnection, timeoutMs = 10_000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('ICE gathering did not complete')), timeoutMs);
    pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

export const wsUrl = (httpUrl: string): string => httpUrl.replace(/^http/, 'ws') + '/ws';

export async function connectClient(httpUrl: string, timeoutMs = 30_000): Promise<SignalingClient> {
  const c = new SignalingClient(wsUrl(httpUrl), (u) => new WebSocket(u) as never, timeoutMs);
  await c.connect();
  return c;
}

export interface StageHost {
  client: SignalingClient;
  spaceId: string;
  stop(): Promise<void>;
}

/**
 * A host who registers, creates a Space and goes live through the server's public API
 * (auth.register, space.create, space.join, stage.join) with a werift peer that sends `packets`
 * (20 ms Opus frames, looped) or the Opus silence frame every 20 ms.
 */
export async function startStageHost(httpUrl: string, opts: { title: string; packets?: Buffer[] }): Promise<StageHost> {
  const client = await connectClient(httpUrl);
  const handle = `bench_${Math.random().toString(36).slice(2, 10)}`;
  await client.request('auth.register', { handle, displayName: 'Bench host', password: 'correct horse battery staple' });
  const { space } = await client.request('space.create', { title: opts.title });
  await client.request('space.join', { spaceId: space.id });
  const pc = benchPeer(true);
  const transceiver = pc.addTransceiver('audio', { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const { sdp } = await client.request('stage.join', { spaceId: space.id, sdp: pc.localDescription!.sdp });
  await pc.setRemoteDescription({ type: 'answer', sdp });
  for (let i = 0; i < 200 && pc.connectionState !== 'connected'; i++) await new Promise((r) => setTimeout(r, 50));
  if (pc.connectionState !== 'connected') throw new Error(`the host's peer did not connect (${pc.connectionState})`);

  const packets = opts.packets ?? [OPUS_SILENCE];
  let seq = Math.floor(Math.random() * 65536);
  let timestamp = Math.floor(Math.random() * 2 ** 31);
  let n = 0;
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // Every 20 ms on the wall clock (a plain interval drifts): send the frames that are due.
  const tick = (): void => {
    if (stopped) return;
    const due = Math.floor((performance.now() - t0) / 20);
    for (; n <= due; n++) {
      const payload = packets[n % packets.length]!;
      const header = new RtpHeader({ payloadType: 111, sequenceNumber: seq, timestamp, marker: n === 0 });
      seq = (seq + 1) & 0xffff;
      timestamp = (timestamp + 960) >>> 0;
      void transceiver.sender.sendRtp(new RtpPacket(header, payload)).catch(() => undefined);
    }
    timer = setTimeout(tick, Math.max(1, t0 + (n * 20) - performance.now()));
  };
  tick();
  return {
    client,
    spaceId: space.id,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await pc.close().catch(() => undefined);
      client.close();
    },
  };
}
