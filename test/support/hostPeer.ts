import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { envelope, readWav } from './audio.js';
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
 * Extensions, not a MediaStream): `captureStream()` taps the element's output and MediaRecorder
 * encodes it off the page's main thread (a ScriptProcessor on a busy main thread loses blocks
 * under load), then ffmpeg decodes it here into 10 ms RMS windows.
 */
export async function recordPlayingEnvelope(page: Page, selector: string, ms: number): Promise<number[]> {
  const b64 = await page.evaluate(
    async ({ selector, ms }) => {
      const el = document.querySelector(selector) as HTMLAudioElement & { captureStream(): MediaStream };
      const stream = el.captureStream();
      for (let i = 0; i < 50 && stream.getAudioTracks().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      const rec = new MediaRecorder(new MediaStream(stream.getAudioTracks()), { mimeType: 'audio/webm;codecs=opus', audioBitsPerSecond: 128_000 });
      const chunks: Blob[] = [];
      rec.ondataavailable = (e) => chunks.push(e.data);
      const stopped = new Promise((r) => (rec.onstop = r));
      rec.start();
      await new Promise((r) => setTimeout(r, ms));
      rec.stop();
      await stopped;
      const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(bin);
    },
    { selector, ms },
  );
  const dir = mkdtempSync(join(tmpdir(), 'spaces-capture-'));
  try {
    writeFileSync(join(dir, 'in.webm'), Buffer.from(b64, 'base64'));
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', join(dir, 'in.webm'), '-ac', '1', '-ar', '48000', '-c:a', 'pcm_s16le', join(dir, 'out.wav')]);
    return envelope(readWav(join(dir, 'out.wav')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
