import { waitForIceGathering } from '../shared/webrtc.js';
import type { MediaGrant } from '../shared/mediaEngine.js';

/**
 * The page's one media connection, whatever the engine (issue 20): a Janus peer connection (the
 * server relays SDP) or a LiveKit room connection (a grant from the server). An
 * `RTCPeerConnection` is one as it is; `failed` means: ask the server again.
 */
export interface MediaLink {
  readonly connectionState: RTCPeerConnectionState;
  close(): void;
}

/**
 * Joins the Space's LiveKit room with a grant (audience: subscribe only; stage: with the
 * microphone) and plays every speaker through one mix. livekit-client is loaded only here, so
 * pages on a Janus server never download it.
 */
export async function openLiveKitLink(opts: {
  grant: MediaGrant;
  mic?: MediaStream;
  onStream: (s: MediaStream) => void;
  onState: (s: RTCPeerConnectionState) => void;
}): Promise<MediaLink> {
  const { connectLiveKit } = await import('../shared/livekitLink.js');
  const track = opts.mic?.getAudioTracks()[0];
  const link = await connectLiveKit({
    grant: opts.grant,
    publish: track ? { track, quality: { bitrate: 32_000, dtx: true, stereo: false } } : undefined,
    onStream: opts.onStream,
    onState: opts.onState,
  });
  return {
    get connectionState() {
      return link.state;
    },
    close: () => link.close(),
  };
}

/** Plays the Space's audience stream: the server relays Janus' offer, we answer. */
export async function openListenPeer(opts: {
  /** STUN/TURN servers from the Space server (`ice.servers`): a relay for listeners behind NATs. */
  iceServers: RTCIceServer[];
  offer: string;
  sendAnswer: (sdp: string) => Promise<void>;
  onStream: (s: MediaStream) => void;
  onState: (s: RTCPeerConnectionState) => void;
}): Promise<RTCPeerConnection> {
  const pc = new RTCPeerConnection({ iceServers: opts.iceServers });
  pc.ontrack = (e) => opts.onStream(e.streams[0] ?? new MediaStream([e.track]));
  pc.onconnectionstatechange = () => opts.onState(pc.connectionState);
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: opts.offer });
    await pc.setLocalDescription(await pc.createAnswer());
    await waitForIceGathering(pc);
    await opts.sendAnswer(pc.localDescription!.sdp);
    return pc;
  } catch (err) {
    pc.close();
    throw err;
  }
}

/** Joins the stage with the microphone: we offer, the server relays Janus' answer. */
export async function openStagePeer(opts: {
  iceServers: RTCIceServer[];
  mic: MediaStream;
  negotiate: (offer: string) => Promise<string>;
  onStream: (s: MediaStream) => void;
  onState: (s: RTCPeerConnectionState) => void;
}): Promise<RTCPeerConnection> {
  const pc = new RTCPeerConnection({ iceServers: opts.iceServers });
  for (const track of opts.mic.getAudioTracks()) pc.addTrack(track, opts.mic);
  pc.ontrack = (e) => opts.onStream(e.streams[0] ?? new MediaStream([e.track]));
  pc.onconnectionstatechange = () => opts.onState(pc.connectionState);
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await waitForIceGathering(pc);
    await pc.setRemoteDescription({ type: 'answer', sdp: await opts.negotiate(pc.localDescription!.sdp) });
    return pc;
  } catch (err) {
    pc.close();
    throw err;
  }
}
