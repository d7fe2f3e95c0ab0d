import { waitForIceGathering } from '../../../shared/webrtc';

/**
 * The host's WebRTC connection to the stage (a Janus AudioBridge room, through the Space server).
 * Sends the broadcast track; what comes back is the stage mix minus the host, for the monitor.
 */
export interface StageLink {
  readonly pc: RTCPeerConnection;
  close(): void;
}

export async function openStageLink(opts: {
  track: MediaStreamTrack;
  /** Sends our offer to the server, resolves with Janus' answer. */
  negotiate: (offerSdp: string) => Promise<string>;
  onMonitorStream: (stream: MediaStream) => void;
  onState: (state: RTCPeerConnectionState) => void;
}): Promise<StageLink> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.addTransceiver(opts.track, { direction: 'sendrecv', streams: [new MediaStream([opts.track])] });
  pc.ontrack = (e) => opts.onMonitorStream(e.streams[0] ?? new MediaStream([e.track]));
  pc.onconnectionstatechange = () => opts.onState(pc.connectionState);
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await waitForIceGathering(pc);
    const answer = await opts.negotiate(pc.localDescription!.sdp);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  } catch (err) {
    pc.close();
    throw err;
  }
  return { pc, close: () => pc.close() };
}
