export const dbToGain = (db: number): number => 10 ** (db / 20);
export const toDb = (x: number): number => (x > 0 ? 20 * Math.log10(x) : -Infinity);

/** Peak and RMS of the analyser's current window, in dBFS (-Infinity for silence). */
export function readLevels(analyser: AnalyserNode, buf: Float32Array<ArrayBuffer>): { peakDb: number; rmsDb: number } {
  analyser.getFloatTimeDomainData(buf);
  let peak = 0;
  let sum = 0;
  for (const v of buf) {
    peak = Math.max(peak, Math.abs(v));
    sum += v * v;
  }
  return { peakDb: toDb(peak), rmsDb: toDb(Math.sqrt(sum / buf.length)) };
}
