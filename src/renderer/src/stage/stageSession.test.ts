import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StageLink } from '../audio/stageLink';
import { StageSession, type StageSessionDeps } from './stageSession';

/** A stand-in peer connection (unit tests have no WebRTC): its state is set by the test. */
function fakeLinks() {
  const opened: { link: StageLink & { state: RTCPeerConnectionState }; onState: (s: RTCPeerConnectionState) => void; closed: boolean }[] = [];
  let failNext = 0;
  const open: NonNullable<StageSessionDeps['open']> = async (opts) => {
    await opts.negotiate('v=0 fake offer');
    if (failNext > 0) {
      failNext--;
      throw new Error('server unreachable');
    }
    const entry = {
      link: { state: 'new' as RTCPeerConnectionState, sender: {} as RTCRtpSender, close: () => void (entry.closed = true), get pc() { return { connectionState: entry.link.state } as RTCPeerConnection; } },
      onState: (s: RTCPeerConnectionState) => {
        entry.link.state = s;
        opts.onState(s);
      },
      closed: false,
    };
    opened.push(entry);
    return entry.link;
  };
  return { opened, open, failTimes: (n: number) => void (failNext = n) };
}

describe('StageSession', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const make = () => {
    const links = fakeLinks();
    const onAir: boolean[] = [];
    const negotiated: string[] = [];
    const session = new StageSession(
      {
        track: () => ({}) as MediaStreamTrack,
        resume: async () => undefined,
        negotiate: async (spaceId) => (negotiated.push(spaceId), 'v=0 answer'),
        onStageStream: () => undefined,
        setOnAir: async (v) => void onAir.push(v),
        open: links.open,
      },
      { bitrate: 32_000, dtx: true, stereo: false },
    );
    return { session, links, onAir, negotiated };
  };

  it('joins, goes on air, and leaves: off air, link closed, state off', async () => {
    const { session, links, onAir } = make();
    await session.join('abcdefghij');
    expect(session.spaceId).toBe('abcdefghij');
    expect(onAir).toEqual([true]);
    await session.leave();
    expect(links.opened[0]!.closed).toBe(true);
    expect(session.state).toBe('off');
    expect(onAir).toEqual([true, false]);
  });

  it('a failed link is negotiated again, and retried every second until the server answers', async () => {
    const { session, links, negotiated } = make();
    await session.join('abcdefghij');
    links.failTimes(2);
    links.opened[0]!.onState('failed');
    await vi.advanceTimersByTimeAsync(250); // first retry: fails
    await vi.advanceTimersByTimeAsync(1000); // second: fails
    await vi.advanceTimersByTimeAsync(1000); // third: works
    expect(negotiated).toHaveLength(4);
    expect(links.opened).toHaveLength(2);
    expect(links.opened[0]!.closed).toBe(true);
  });

  it('a link disconnected for 3 s is replaced; one that recovers in time is kept', async () => {
    const { session, links } = make();
    await session.join('abcdefghij');
    links.opened[0]!.onState('disconnected');
    await vi.advanceTimersByTimeAsync(2000);
    links.opened[0]!.onState('connected');
    await vi.advanceTimersByTimeAsync(2000);
    expect(links.opened).toHaveLength(1);
    links.opened[0]!.onState('disconnected');
    await vi.advanceTimersByTimeAsync(3300);
    expect(links.opened).toHaveLength(2);
  });

  it('a media reset re-joins only the Space we are on, and nothing after leaving', async () => {
    const { session, links } = make();
    await session.join('abcdefghij');
    session.mediaReset('zzzzzzzzzz');
    await vi.advanceTimersByTimeAsync(10);
    expect(links.opened).toHaveLength(1);
    session.mediaReset('abcdefghij');
    await vi.advanceTimersByTimeAsync(10);
    expect(links.opened).toHaveLength(2);
    await session.leave();
    session.mediaReset('abcdefghij');
    await vi.advanceTimersByTimeAsync(2000);
    expect(links.opened).toHaveLength(2);
  });
});
