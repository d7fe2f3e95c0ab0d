import type { Page } from 'playwright-core';
import type { SignalingClient } from '../../src/shared/signalingClient.js';

/**
 * A host on stage without the Studio: a Chromium page sends its (fake, espeak WAV) microphone
 * over WebRTC, and the test's API client carries the SDP (`stage.join`) as the Studio would.
 * The page must be on a secure origin (the server's loopback address is).
 */
export async function joinStageFromPage(page: Page, client: SignalingClient, spaceId: string): Promise<void> {
  const offer = await page.evaluate(async () => {
    const mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    const pc = new RTCPeerConnection({ iceServers: [] });
    for (const t of mic.getAudioTracks()) pc.addTrack(t, mic);
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
      setTimeout(resolve, 2000);
    });
    (window as unknown as { hostPc: RTCPeerConnection }).hostPc = pc;
    return pc.localDescription!.sdp;
  });
  const { sdp } = await client.request('stage.join', { spaceId, sdp: offer });
  await page.evaluate(async (answer) => {
    const pc = (window as unknown as { hostPc: RTCPeerConnection }).hostPc;
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    // (No named functions in here: tsx would wrap them in a helper the page does not have.)
    for (let i = 0; i < 200 && pc.connectionState !== 'connected'; i++) {
      if (pc.connectionState === 'failed') throw new Error('host connection failed');
      await new Promise((r) => setTimeout(r, 50));
    }
    if (pc.connectionState !== 'connected') throw new Error(`host connection ${pc.connectionState}`);
  }, sdp);
}

/**
 * Records what an <audio> element plays when its source is a URL (HLS through Media Source
 * Extensions, not a MediaStream): `captureStream()` taps the element's output, 10 ms RMS windows.
 */
export async function recordPlayingEnvelope(page: Page, selector: string, ms: number): Promise<number[]> {
  return page.evaluate(
    async ({ selector, ms }) => {
      const el = document.querySelector(selector) as HTMLAudioElement & { captureStream(): MediaStream };
      const stream = el.captureStream();
      for (let i = 0; i < 50 && stream.getAudioTracks().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      const ctx = new AudioContext({ sampleRate: 48000 });
      const source = ctx.createMediaStreamSource(stream);
      const proc = ctx.createScriptProcessor(4096, 1, 1);
      const windows: number[] = [];
      let acc = 0;
      let count = 0;
      proc.onaudioprocess = (e) => {
        const x = e.inputBuffer.getChannelData(0);
        for (let i = 0; i < x.length; i++) {
          acc += x[i]! * x[i]!;
          if (++count === 480) {
            windows.push(Math.sqrt(acc / 480));
            acc = 0;
            count = 0;
          }
        }
      };
      const sink = ctx.createGain();
      sink.gain.value = 0;
      source.connect(proc).connect(sink).connect(ctx.destination);
      await new Promise((r) => setTimeout(r, ms));
      source.disconnect();
      proc.disconnect();
      await ctx.close();
      return windows;
    },
    { selector, ms },
  );
}
