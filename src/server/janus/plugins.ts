import { AppError } from '../../shared/errors.js';
import type { JanusHandle, JanusSession } from './client.js';

/**
 * The Janus plugin protocol the media pool uses, typed: AudioBridge (the stage: rooms, forwards,
 * per-participant recordings, participants) and Streaming (the audience: mountpoints, viewers).
 * Every request body Janus gets is written here and nowhere else; the pool keeps placement and
 * failover. (Why an in-house client rather than Meetecho's janode: docs/architecture.md.)
 */

/** Opus as the stage mix is forwarded and the mountpoints expect it. */
const OPUS_PT = 111;

/** Management of one node's AudioBridge (a handle the node keeps attached). */
export class AudioBridgeAdmin {
  constructor(
    private readonly handle: JanusHandle,
    /** `admin_key` when the node's Janus locks room creation and forwarding. */
    private readonly adminKey: Record<string, string>,
  ) {}

  async exists(room: number): Promise<boolean> {
    return (await this.handle.request({ request: 'exists', room })).exists === true;
  }

  /** A 48 kHz room that reports who is talking (50 packets active, average level 40). */
  async create(room: number): Promise<void> {
    await this.handle.request({
      request: 'create',
      room,
      permanent: false,
      sampling_rate: 48000,
      audiolevel_event: true,
      audio_active_packets: 50,
      audio_level_average: 40,
      ...this.adminKey,
    });
  }

  async destroy(room: number): Promise<void> {
    await this.handle.request({ request: 'destroy', room, ...this.adminKey });
  }

  /** Sends the room's full mix as plain RTP (Opus) to host:port; resolves with the forwarder's id. */
  async forward(room: number, host: string, port: number): Promise<number> {
    const reply = await this.handle.request({ request: 'rtp_forward', room, host, port, codec: 'opus', ptype: OPUS_PT, ...this.adminKey });
    if (typeof reply.stream_id !== 'number') throw new AppError('media_unavailable', 'Janus did not start the forward');
    return reply.stream_id;
  }

  async stopForward(room: number, streamId: number): Promise<void> {
    await this.handle.request({ request: 'stop_rtp_forward', room, stream_id: streamId, ...this.adminKey });
  }

  /** Records each participant to an MJR file in `dir`, or stops (null). */
  async recordParticipants(room: number, dir: string | null): Promise<void> {
    await this.handle.request({ request: 'enable_mjrs', room, mjrs: dir !== null, ...(dir ? { mjrs_dir: dir } : {}), ...this.adminKey });
  }
}

/** Management of one node's Streaming plugin. */
export class StreamingAdmin {
  constructor(
    private readonly handle: JanusHandle,
    private readonly adminKey: Record<string, string>,
  ) {}

  /** An RTP mountpoint receiving Opus on `iface`:`port` (the stage mix's forward). */
  async create(id: number, port: number, iface: string, threads = 0): Promise<void> {
    await this.handle.request({
      request: 'create',
      type: 'rtp',
      id,
      permanent: false,
      ...(threads ? { threads } : {}),
      media: [{ type: 'audio', mid: 'a', port, iface, pt: OPUS_PT, codec: 'opus' }],
      ...this.adminKey,
    });
  }

  async destroy(id: number): Promise<void> {
    await this.handle.request({ request: 'destroy', id, ...this.adminKey });
  }
}

/** Someone on the stage: their own AudioBridge handle. */
export interface StageParticipant {
  handle: JanusHandle;
  answer: string;
  /** Janus' participant id (names their MJR recording), when it said. */
  participantId: number | null;
}

/** Joins `room` with the browser's offer; the caller owns (and detaches) the handle. */
export async function joinStage(
  session: JanusSession,
  room: number,
  opts: { display: string; muted: boolean; prebuffer: number; offer: string },
): Promise<StageParticipant> {
  const handle = await session.attach('janus.plugin.audiobridge');
  try {
    const event = await handle.message(
      { request: 'join', room, display: opts.display, muted: opts.muted, codec: 'opus', prebuffer: opts.prebuffer },
      { type: 'offer', sdp: opts.offer },
    );
    if (!event.jsep || event.jsep.type !== 'answer') throw new AppError('media_unavailable', 'Janus sent no answer to the stage offer');
    return { handle, answer: event.jsep.sdp, participantId: typeof event.data.id === 'number' ? event.data.id : null };
  } catch (err) {
    await handle.detach();
    throw err;
  }
}

/** Server-side mute of a stage participant: the mix leaves them out whatever they send. */
export async function setStageMuted(handle: JanusHandle, muted: boolean): Promise<void> {
  await handle.message({ request: 'configure', muted });
}

/** A talking/stopped-talking event of the AudioBridge, or null for any other event. */
export function talkEvent(data: Record<string, unknown>): { participantId: unknown; speaking: boolean } | null {
  const kind = data.audiobridge;
  if (kind !== 'talking' && kind !== 'stopped-talking') return null;
  return { participantId: data.id, speaking: kind === 'talking' };
}

/** A viewer of mountpoint `id`: Janus' offer; the caller owns (and detaches) the handle. */
export async function watchStream(session: JanusSession, id: number): Promise<{ handle: JanusHandle; offer: string }> {
  const handle = await session.attach('janus.plugin.streaming');
  try {
    const event = await handle.message({ request: 'watch', id, offer_audio: true, offer_video: false });
    if (!event.jsep || event.jsep.type !== 'offer') throw new AppError('media_unavailable', 'Janus sent no offer for the audience stream');
    return { handle, offer: event.jsep.sdp };
  } catch (err) {
    await handle.detach();
    throw err;
  }
}

/** The viewer's answer: the stream starts. */
export async function startStream(handle: JanusHandle, answerSdp: string): Promise<void> {
  await handle.message({ request: 'start' }, { type: 'answer', sdp: answerSdp });
}
