/**
 * The host's input strip as a Web Audio graph: mic -> gain -> meter -> broadcast bus.
 * The broadcast bus is a MediaStream whose track goes to the stage (WebRTC).
 */
export interface MicChain {
  readonly track: MediaStreamTrack;
  readonly deviceLabel: string;
  /** Peak and RMS of the last analysis window, in dBFS (-Infinity for silence). */
  levels(): { peakDb: number; rmsDb: number };
  close(): Promise<void>;
}

/** Pro microphones want the signal untouched: the browser's voice processing is off by default here. */
export const PRO_CONSTRAINTS = { echoCancellation: false, noiseSuppression: false, autoGainControl: false } as const;

export async function openMicChain(deviceId: string | null): Promise<MicChain> {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), ...PRO_CONSTRAINTS, channelCount: 1 },
    video: false,
  });
  const input = stream.getAudioTracks()[0];
  if (!input) throw new Error('the selected device gave no audio track');
  const ctx = new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' });
  const source = ctx.createMediaStreamSource(stream);
  const gain = ctx.createGain();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 2048;
  const bus = ctx.createMediaStreamDestination();
  bus.channelCount = 1;
  source.connect(gain).connect(analyser);
  gain.connect(bus);
  const buf = new Float32Array(analyser.fftSize);
  const toDb = (x: number): number => (x > 0 ? 20 * Math.log10(x) : -Infinity);
  return {
    track: bus.stream.getAudioTracks()[0]!,
    deviceLabel: input.label,
    levels() {
      analyser.getFloatTimeDomainData(buf);
      let peak = 0;
      let sum = 0;
      for (const v of buf) {
        peak = Math.max(peak, Math.abs(v));
        sum += v * v;
      }
      return { peakDb: toDb(peak), rmsDb: toDb(Math.sqrt(sum / buf.length)) };
    },
    async close() {
      for (const t of stream.getTracks()) t.stop();
      await ctx.close();
    },
  };
}
