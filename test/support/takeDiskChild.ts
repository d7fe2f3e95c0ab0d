import { writeSync } from 'node:fs';
import { TakeRecorder } from '../../src/main/services/multitrack/takeRecorder.js';

/**
 * Child process for the full-disk test, run inside a mount namespace whose data dir is a small
 * tmpfs: records a take (a 440 Hz tone on every track, 100 ms per call, faster than real time)
 * until the recorder stops it, then prints one JSON line: the disk view before recording and the
 * take as the Studio reports it. argv: <data dir>
 */
const [dir] = process.argv.slice(2);
let last: unknown = null;
const recorder = new TakeRecorder({ dataDir: dir!, events: { onTake: (t) => (last = t), onDisk: () => undefined } });
const before = recorder.getTakes().disk;
const take = await recorder.startTake({ spaceId: null, tracks: (['mic', 'program', 'stage'] as const).map((kind) => ({ kind, sampleRate: 48000, startedAt: Date.now() })), upload: false });
const frames = 4800;
const tone = new Float32Array(frames);
let phase = 0;
let calls = 0;
for (; calls < 10_000; calls++) {
  for (let i = 0; i < frames; i++) tone[i] = 0.5 * Math.sin((2 * Math.PI * 440 * phase++) / 48000);
  const b64 = Buffer.from(tone.buffer).toString('base64');
  if (!(['mic', 'program', 'stage'] as const).every((track) => recorder.takeAudio({ takeId: take.id, track, pcm: b64 }).accepted)) break;
}
writeSync(1, `${JSON.stringify({ before, take: last, calls })}\n`);
process.exit(0);
