import { waitForIceGathering } from '../shared/webrtc.js';

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
