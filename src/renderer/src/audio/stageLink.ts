import { waitForIceGathering } from '../../../shared/webrtc';
import { applyOpusParams, applySenderQuality, type BroadcastQuality } from './opus';

/**
 * The host's WebRTC connection to the stage (a Janus AudioBridge room, through the Space server).
 * Sends the broadcast track; what comes back is the stage mix minus the host, for the monitor.
 */
export interface StageLink {
  readonly pc: RTCPeerConnection;
  readonly sender: RTCRtpSender;
  close(): void;
}

export async function openStageLink(opts: {
  track: MediaStreamTrack;
  quality: BroadcastQuality;
  /** STUN/TURN servers from the Space server, for a Studio behind a NAT or a firewall. */
  iceServers: RTCIceServer[];
  /** Sends our offer to the server, resolves with Janus' answer. */
  negotiate: (offerSdp: string) => Promise<string>;
  onMonitorStream: (stream: MediaStream) => void;
  onState: (state: RTCPeerConnectionState) => void;
}): Promise<StageLink> {
  const pc = new RTCPeerConnection({ iceServers: opts.iceServers });
  const transceiver = pc.addTransceiver(opts.track, { direction: 'sendrecv', streams: [new MediaStream([opts.track])] });
  pc.ontrack = (e) => opts.onMonitorStream(e.streams[0] ?? new MediaStream([e.track]));
  pc.onconnectionstatechange = () => opts.onState(pc.connectionState);
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await waitForIceGathering(pc);
    const answer = await opts.negotiate(pc.localDescription!.sdp);
    // Our encoder obeys the answer's Opus parameters: write the host's choice into it.
    await pc.setRemoteDescription({ type: 'answer', sdp: applyOpusParams(answer, opts.quality) });
    await applySenderQuality(transceiver.sender, opts.quality);
  } catch (err) {
    pc.close();
    throw err;
  }
  return { pc, sender: transceiver.sender, close: () => pc.close() };
}
