import { ConnectionState, Room, RoomEvent, Track, type RemoteTrack } from 'livekit-client';
import type { MediaGrant } from './mediaEngine.js';

/** What a speaker publishes: one track, with the host's Opus choices. */
export interface LiveKitPublish {
  track: MediaStreamTrack;
  /** Target bitrate (bits/s), discontinuous transmission, stereo. */
  quality: { bitrate: number; dtx: boolean; stereo: boolean };
}

/** One connection to a LiveKit room, as the Studio's stage session and the listener page see it. */
export interface LiveKitLink {
  readonly room: Room;
  /** In WebRTC's terms, so callers treat it like a peer connection: `failed` = connect anew. */
  readonly state: RTCPeerConnectionState;
  setQuality(q: LiveKitPublish['quality']): Promise<void>;
  close(): void;
}

const toPeerState = (s: ConnectionState): RTCPeerConnectionState =>
  s === ConnectionState.Connected ? 'connected' : s === ConnectionState.Disconnected ? 'failed' : 'connecting';

/**
 * Connects to the room named by a grant from the Space server (`media.connect`, issue 20).
 * Every other speaker's audio is subscribed and mixed (Web Audio) into one stream for `onStream`:
 * the stage return for the Studio, what a listener hears on the page. With `publish`, the track is
 * sent as the microphone (20 ms Opus frames, the chosen bitrate and DTX). LiveKit's server
 * enforces the grant: a listener's token cannot publish; a mute revokes publishing (the track is
 * unpublished by the server) and an unmute grants it back, when the track is published again.
 * The link does its own short reconnects; when LiveKit gives up (or the server removed this
 * participant) the state becomes `failed` and the caller asks the Space server anew.
 */
export async function connectLiveKit(opts: {
  grant: MediaGrant;
  publish?: LiveKitPublish;
  /** The mix of everyone else on the stage. */
  onStream: (s: MediaStream) => void;
  onState: (s: RTCPeerConnectionState) => void;
}): Promise<LiveKitLink> {
  // The published track belongs to the caller (the Studio's broadcast bus never changes): never stopped here.
  const room = new Room({ adaptiveStream: false, dynacast: false, stopLocalTrackOnUnpublish: false, disconnectOnPageLeave: true });
  const ctx = new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' });
  const mix = ctx.createMediaStreamDestination();
  const sources = new Map<string, { node: MediaStreamAudioSourceNode; keepAlive: HTMLAudioElement }>();
  let quality = opts.publish?.quality;
  let closed = false;
  const addTrack = (track: RemoteTrack): void => {
    if (track.kind !== Track.Kind.Audio || sources.has(track.sid ?? '')) return;
    const stream = new MediaStream([track.mediaStreamTrack]);
    // Chromium only feeds a remote WebRTC stream into Web Audio while a media element plays it.
    const keepAlive = new Audio();
    keepAlive.muted = true;
    keepAlive.srcObject = stream;
    void keepAlive.play().catch(() => undefined);
    const node = ctx.createMediaStreamSource(stream);
    node.connect(mix);
    sources.set(track.sid ?? '', { node, keepAlive });
  };
  const removeTrack = (track: RemoteTrack): void => {
    const s = sources.get(track.sid ?? '');
    if (!s) return;
    s.node.disconnect();
    s.keepAlive.srcObject = null;
    sources.delete(track.sid ?? '');
  };
  room.on(RoomEvent.TrackSubscribed, (track) => addTrack(track));
  room.on(RoomEvent.TrackUnsubscribed, (track) => removeTrack(track));
  room.on(RoomEvent.ConnectionStateChanged, (s) => !closed && opts.onState(toPeerState(s)));

  const publish = async (): Promise<void> => {
    if (!opts.publish || closed || !room.localParticipant.permissions?.canPublish) return;
    if (room.localParticipant.getTrackPublication(Track.Source.Microphone)) return;
    await room.localParticipant.publishTrack(opts.publish.track, {
      source: Track.Source.Microphone,
      audioPreset: { maxBitrate: quality!.bitrate },
      dtx: quality!.dtx,
      red: false,
      forceStereo: quality!.stereo,
      stopMicTrackOnMute: false,
    });
  };
  // Unmuted by a moderator: publishing is allowed again.
  room.on(RoomEvent.ParticipantPermissionsChanged, () => void publish().catch(() => undefined));

  try {
    await ctx.resume();
    await room.connect(opts.grant.url, opts.grant.token, { autoSubscribe: true });
    for (const p of room.remoteParticipants.values()) for (const pub of p.audioTrackPublications.values()) if (pub.track) addTrack(pub.track);
    await publish();
  } catch (err) {
    closed = true;
    await room.disconnect(false);
    void ctx.close();
    throw err;
  }
  opts.onStream(mix.stream);
  return {
    room,
    get state() {
      return toPeerState(room.state);
    },
    async setQuality(q) {
      quality = q;
      const sender = room.localParticipant.getTrackPublication(Track.Source.Microphone)?.track?.sender;
      if (!sender) return;
      const params = sender.getParameters();
      if (!params.encodings?.length) params.encodings = [{}];
      params.encodings[0]!.maxBitrate = q.bitrate;
      await sender.setParameters(params);
    },
    close() {
      closed = true;
      // `disconnect()` stops the local tracks by default: the caller's track must live on.
      void room.disconnect(false);
      for (const s of sources.values()) s.keepAlive.srcObject = null;
      void ctx.close();
    },
  };
}
