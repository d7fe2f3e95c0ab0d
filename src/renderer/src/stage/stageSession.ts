import { openStageLink } from '../audio/stageLink';
import { applySenderQuality, type BroadcastQuality } from '../audio/opus';
import { connectLiveKit } from '../../../shared/livekitLink';
import type { MediaConnect } from '../../../shared/mediaEngine';

export type StageState = RTCPeerConnectionState | 'off';

/** What a stage session needs from the rest of the Studio (all injected: testable, no globals). */
export interface StageSessionDeps {
  /** The broadcast track (never replaced, so no renegotiation when sources change). */
  track: () => MediaStreamTrack;
  /** Makes sure the audio graph runs before the first packet. */
  resume: () => Promise<void>;
  /** Sends our offer for `spaceId`'s stage, resolves with the answer. */
  negotiate: (spaceId: string, offerSdp: string) => Promise<string>;
  /** The stage mix arrived (or left, with null): monitor, program, transcript. */
  onStageStream: (stream: MediaStream | null) => void;
  /** The app is on air (power-save blocker, no background throttling) or not. */
  setOnAir: (onAir: boolean) => Promise<void>;
  /** The ICE servers for this connection (TURN credentials from the Space server, issue 15). */
  iceServers?: () => Promise<RTCIceServer[]>;
  /** Opens the peer connection (openStageLink; replaced in unit tests, which have no WebRTC). */
  open?: typeof openStageLink;
  /**
   * Which media engine the server runs, and on LiveKit this seat's grant (issue 20). Absent:
   * Janus, through `negotiate`.
   */
  connectMedia?: (spaceId: string) => Promise<MediaConnect>;
  /** Connects to LiveKit with a grant (connectLiveKit; replaceable like `open`). */
  openLiveKit?: typeof connectLiveKit;
}

/** The stage connection, whatever the engine: a Janus peer connection or a LiveKit room. */
interface ActiveLink {
  readonly state: RTCPeerConnectionState;
  setQuality(q: BroadcastQuality): Promise<void>;
  close(): void;
}

/**
 * The Studio's seat on one Space's stage: the connection (Janus or LiveKit), its retries and media resets.
 * It keeps trying to be on the stage it was asked to be on (a lost link, a media-server or
 * Space-server restart) until `leave()`.
 */
export class StageSession {
  private link: ActiveLink | null = null;
  private wanted: string | null = null;
  private quality: BroadcastQuality;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private current: StageState = 'off';
  private readonly listeners = new Set<(s: StageState) => void>();

  constructor(
    private readonly deps: StageSessionDeps,
    quality: BroadcastQuality,
  ) {
    this.quality = quality;
  }

  get state(): StageState {
    return this.current;
  }

  /** The Space whose stage we want to be on, or null. */
  get spaceId(): string | null {
    return this.wanted;
  }

  onState(fn: (s: StageState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Joins (or re-joins) the stage; rejects if this attempt fails (retries only follow a success). */
  async join(spaceId: string): Promise<void> {
    this.wanted = spaceId;
    this.link?.close();
    await this.deps.resume();
    const media: MediaConnect = (await this.deps.connectMedia?.(spaceId)) ?? { engine: 'janus' };
    if (media.engine === 'livekit') {
      // The same broadcast track, published to the Space's LiveKit room; the other speakers come back mixed.
      const lk = await (this.deps.openLiveKit ?? connectLiveKit)({
        grant: media.grant,
        publish: { track: this.deps.track(), quality: this.quality },
        onStream: (stream) => this.deps.onStageStream(stream),
        onState: (state) => this.linkState(spaceId, state),
      });
      this.link = { get state() { return lk.state; }, setQuality: (q) => lk.setQuality(q), close: () => lk.close() };
    } else {
      const iceServers = (await this.deps.iceServers?.()) ?? [];
      const link = await (this.deps.open ?? openStageLink)({
        track: this.deps.track(),
        iceServers,
        quality: this.quality,
        negotiate: (sdp) => this.deps.negotiate(spaceId, sdp),
        onMonitorStream: (stream) => this.deps.onStageStream(stream),
        onState: (state) => this.linkState(spaceId, state),
      });
      this.link = { get state() { return link.pc.connectionState; }, setQuality: (q) => applySenderQuality(link.sender, q), close: () => link.close() };
    }
    await this.deps.setOnAir(true);
  }

  async leave(): Promise<void> {
    this.wanted = null;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.link?.close();
    this.link = null;
    this.deps.onStageStream(null);
    this.setState('off');
    await this.deps.setOnAir(false);
  }

  /** The bitrate changes on air; DTX applies from the next join. */
  async setQuality(q: BroadcastQuality): Promise<void> {
    this.quality = q;
    if (this.link) await this.link.setQuality(q);
  }

  /** The server rebuilt the media path of `spaceId`: back on its stage if we were there. */
  mediaReset(spaceId: string): void {
    if (this.wanted === spaceId) this.rejoinSoon(spaceId, 0);
  }

  close(): void {
    this.wanted = null;
    if (this.retry) clearTimeout(this.retry);
    this.link?.close();
  }

  private linkState(spaceId: string, state: RTCPeerConnectionState): void {
    this.setState(state);
    // ICE gave up, or has not recovered within 3 s: negotiate a fresh connection through the
    // server, and keep trying until the link is back.
    if (state === 'failed' && this.wanted === spaceId) this.rejoinSoon(spaceId);
    if (state === 'disconnected' && this.wanted === spaceId) {
      const link = this.link;
      setTimeout(() => {
        if (this.link === link && link?.state === 'disconnected') this.rejoinSoon(spaceId);
      }, 3000);
    }
  }

  private rejoinSoon(spaceId: string, delay = 250): void {
    if (this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (this.wanted !== spaceId) return;
      this.setState('connecting');
      this.join(spaceId).catch(() => this.rejoinSoon(spaceId, 1000));
    }, delay);
  }

  private setState(s: StageState): void {
    this.current = s;
    for (const fn of this.listeners) fn(s);
  }
}
