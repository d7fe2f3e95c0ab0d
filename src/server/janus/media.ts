import { EventEmitter } from 'node:events';
import { AppError } from '../../shared/errors.js';
import { JanusSession, type JanusHandle } from './client.js';
import type { Jsep } from './protocol.js';
import type { ProgramTap } from '../media/port.js';

export interface StageRoom {
  /** AudioBridge room id and Streaming mountpoint id (the same number). */
  roomId: number;
  /** UDP port on the forward address where the mountpoint receives the room's mix. */
  mountpointPort: number;
}

export interface MediaOptions {
  janusUrl: string;
  apiSecret?: string;
  adminKey?: string;
  /** Where AudioBridge forwards the mix and the Streaming mountpoint listens (plain RTP, same host). */
  forwardHost: string;
  /** Per-join AudioBridge prebuffer in 20 ms packets: latency vs. robustness. */
  prebuffer: number;
  /** Retry interval while Janus is unreachable. */
  reconnectMs: number;
}

/**
 * The Space server's only door to Janus. A Space's stage is an AudioBridge room whose full mix
 * is RTP-forwarded to a Streaming mountpoint that every listener watches.
 *
 * Janus forgets everything when it restarts (rooms, mountpoints, forwarders, peers). This class
 * keeps the set of rooms that should exist, reconnects when the connection drops, recreates them,
 * and emits `reset` with the room ids so the signaling layer can tell clients to renegotiate.
 * Events: `up`, `down` (reason), `reset` (roomIds).
 */
export class JanusMedia extends EventEmitter {
  private session?: JanusSession;
  private admin?: JanusHandle; // AudioBridge handle for room management
  private streaming?: JanusHandle; // Streaming handle for mountpoint management
  private readonly rooms = new Map<number, StageRoom>();
  /** Program taps per room (issue 12): re-created with the room. */
  private readonly taps = new Map<number, Map<string, ProgramTap & { streamId?: number }>>();
  private connecting?: Promise<void>;
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;

  constructor(private readonly options: MediaOptions) {
    super();
  }

  get isUp(): boolean {
    return !!this.session?.isOpen && !!this.admin && !!this.streaming;
  }

  /** Connects, retrying until Janus answers or `timeoutMs` passes. */
  async start(timeoutMs = 15_000): Promise<void> {
    this.stopped = false;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.connect();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, this.options.reconnectMs));
      }
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.session?.close();
    this.session = undefined;
  }

  private connect(): Promise<void> {
    this.connecting ??= this.doConnect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    const session = await JanusSession.open(this.options.janusUrl, this.options.apiSecret);
    try {
      this.admin = await session.attach('janus.plugin.audiobridge');
      this.streaming = await session.attach('janus.plugin.streaming');
    } catch (err) {
      session.close();
      throw err;
    }
    this.session = session;
    session.once('close', (reason: string) => this.onLost(session, reason));
    // Rebuild every room that should exist (after a restart Janus has none).
    const rebuilt: number[] = [];
    for (const room of this.rooms.values()) {
      await this.createRoomInJanus(room);
      rebuilt.push(room.roomId);
    }
    this.emit('up');
    if (rebuilt.length) this.emit('reset', rebuilt);
    for (const key of rebuilt) this.emit('stageReset', { key, node: 'local' });
  }

  private onLost(session: JanusSession, reason: string): void {
    if (this.session !== session) return;
    this.session = this.admin = this.streaming = undefined;
    this.emit('down', reason);
    if (this.stopped) return;
    const retry = (): void => {
      if (this.stopped) return;
      this.connect().catch(() => {
        this.retryTimer = setTimeout(retry, this.options.reconnectMs);
      });
    };
    retry();
  }

  private require(): { session: JanusSession; admin: JanusHandle; streaming: JanusHandle } {
    if (!this.session?.isOpen || !this.admin || !this.streaming) {
      throw new AppError('media_unavailable', 'the media server is restarting; try again in a moment');
    }
    return { session: this.session, admin: this.admin, streaming: this.streaming };
  }

  /** Creates (or re-creates after a restart) a Space's stage and audience path. */
  async openRoom(room: StageRoom): Promise<void> {
    this.rooms.set(room.roomId, room);
    await this.createRoomInJanus(room);
  }

  async closeRoom(roomId: number): Promise<void> {
    this.rooms.delete(roomId);
    this.taps.delete(roomId);
    if (!this.isUp) return;
    const { admin, streaming } = this.require();
    await admin.request({ request: 'destroy', room: roomId, ...this.adminKey() }).catch(() => undefined);
    await streaming.request({ request: 'destroy', id: roomId, ...this.adminKey() }).catch(() => undefined);
  }

  private adminKey(): Record<string, string> {
    return this.options.adminKey ? { admin_key: this.options.adminKey } : {};
  }

  private async createRoomInJanus(room: StageRoom): Promise<void> {
    const { admin, streaming } = this.require();
    const exists = await admin.request({ request: 'exists', room: room.roomId });
    if (!exists.exists) {
      await admin.request({
        request: 'create',
        room: room.roomId,
        permanent: false,
        sampling_rate: 48000,
        audiolevel_event: true,
        audio_active_packets: 50,
        audio_level_average: 40,
        ...this.adminKey(),
      });
    }
    const info = await streaming.request({ request: 'info', id: room.roomId }).catch(() => null);
    if (!info) {
      await streaming.request({
        request: 'create',
        type: 'rtp',
        id: room.roomId,
        permanent: false,
        media: [{ type: 'audio', mid: 'a', port: room.mountpointPort, iface: this.options.forwardHost, pt: 111, codec: 'opus' }],
        ...this.adminKey(),
      });
    }
    const forwarders = await admin.request({ request: 'listforwarders', room: room.roomId });
    const forwardedPorts = new Set(Array.isArray(forwarders.rtp_forwarders) ? forwarders.rtp_forwarders.map((f: { port?: number }) => f.port) : []);
    for (const tap of this.taps.get(room.roomId)?.values() ?? []) {
      if (!forwardedPorts.has(tap.port)) await this.forwardTap(room.roomId, tap);
    }
    if (!forwardedPorts.has(room.mountpointPort)) {
      await admin.request({
        request: 'rtp_forward',
        room: room.roomId,
        host: this.options.forwardHost,
        port: room.mountpointPort,
        codec: 'opus',
        ptype: 111,
        ...this.adminKey(),
      });
    }
  }

  // ---- program taps (issue 12; issue 11's media pool implements the same MediaPort methods) ----

  /** Sends a copy of the stage mix (RTP, Opus pt 111) to `tap.host:tap.port` while the room exists, re-created with it. */
  async addTap(roomId: number, tap: ProgramTap): Promise<void> {
    let taps = this.taps.get(roomId);
    if (!taps) this.taps.set(roomId, (taps = new Map()));
    const entry = { ...tap };
    taps.set(tap.id, entry);
    if (this.rooms.has(roomId) && this.isUp) await this.forwardTap(roomId, entry);
  }

  async removeTap(roomId: number, tapId: string): Promise<void> {
    const tap = this.taps.get(roomId)?.get(tapId);
    this.taps.get(roomId)?.delete(tapId);
    if (!tap?.streamId || !this.isUp) return;
    const { admin } = this.require();
    await admin.request({ request: 'stop_rtp_forward', room: roomId, stream_id: tap.streamId, ...this.adminKey() }).catch(() => undefined);
  }

  private async forwardTap(roomId: number, tap: ProgramTap & { streamId?: number }): Promise<void> {
    const { admin } = this.require();
    const r = await admin.request({ request: 'rtp_forward', room: roomId, host: tap.host, port: tap.port, codec: 'opus', ptype: 111, ...this.adminKey() });
    if (typeof r.stream_id === 'number') tap.streamId = r.stream_id;
  }

  /** Joins a participant to the stage with their SDP offer; resolves with Janus' answer and a handle to hang up. */
  async joinStage(roomId: number, display: string, offer: string, muted: boolean): Promise<{ answer: string; peer: MediaPeer }> {
    const { session } = this.require();
    const handle = await session.attach('janus.plugin.audiobridge');
    try {
      const jsep: Jsep = { type: 'offer', sdp: offer };
      const event = await handle.message(
        { request: 'join', room: roomId, display, muted, codec: 'opus', prebuffer: this.options.prebuffer },
        jsep,
      );
      if (!event.jsep || event.jsep.type !== 'answer') throw new AppError('media_unavailable', 'Janus sent no answer to the stage offer');
      const participantId = typeof event.data.id === 'number' ? event.data.id : null;
      return { answer: event.jsep.sdp, peer: new MediaPeer(handle, participantId) };
    } catch (err) {
      await handle.detach();
      throw err;
    }
  }

  /** Starts a listener on the Space's mountpoint: resolves with Janus' offer; call `answer` on the peer with the browser's. */
  async watch(roomId: number): Promise<{ offer: string; peer: MediaPeer }> {
    const { session } = this.require();
    const handle = await session.attach('janus.plugin.streaming');
    try {
      const event = await handle.message({ request: 'watch', id: roomId, offer_audio: true, offer_video: false });
      if (!event.jsep || event.jsep.type !== 'offer') throw new AppError('media_unavailable', 'Janus sent no offer for the audience stream');
      return { offer: event.jsep.sdp, peer: new MediaPeer(handle) };
    } catch (err) {
      await handle.detach();
      throw err;
    }
  }
}

/** One client's media connection through Janus (a stage participant or a listener). */
export class MediaPeer {
  constructor(
    readonly handle: JanusHandle,
    /** The AudioBridge participant id (stage peers only): talk events name it. */
    readonly participantId: number | null = null,
  ) {}

  /** Server-enforced mute of a stage participant: Janus drops their audio from the mix. */
  async setMuted(muted: boolean): Promise<void> {
    await this.handle.message({ request: 'configure', muted });
  }

  /** Completes a listener's negotiation with the browser's answer. */
  async answer(sdp: string): Promise<void> {
    await this.handle.message({ request: 'start' }, { type: 'answer', sdp });
  }

  async close(): Promise<void> {
    await this.handle.detach();
  }
}
