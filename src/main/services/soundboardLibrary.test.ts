import { describe, expect, it, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sniffAudio } from './audioFormat.js';
import { SoundboardLibrary } from './soundboardLibrary.js';
import { openStudioDb } from './studioDb.js';

/** Real files made by sox in every supported format, and broken ones. */
const dir = mkdtempSync(join(tmpdir(), 'clips-'));
const files: Record<string, string> = {};
beforeAll(() => {
  for (const ext of ['wav', 'flac', 'ogg', 'mp3']) {
    files[ext] = join(dir, `tone.${ext}`);
    execFileSync('sox', ['-n', '-r', '48000', '-c', '1', files[ext]!, 'synth', '0.5', 'sine', '440']);
  }
});

describe('sniffAudio', () => {
  it('recognizes WAV, FLAC, Ogg Vorbis and MP3 by content', () => {
    for (const ext of ['wav', 'flac', 'ogg', 'mp3']) expect(sniffAudio(readFileSync(files[ext]!))).toEqual({ ok: true, format: ext });
  });

  it('names what is wrong with other files', () => {
    expect(sniffAudio(Buffer.from('just some text, not audio at all'))).toMatchObject({ ok: false, reason: expect.stringContaining('unsupported format') });
    const wav = readFileSync(files.wav!);
    expect(sniffAudio(wav.subarray(0, 30))).toMatchObject({ ok: false });
    const badFmt = Buffer.from(wav);
    badFmt.writeUInt16LE(0x55, 20); // MP3-in-WAV: not PCM
    expect(sniffAudio(badFmt)).toMatchObject({ ok: false, reason: expect.stringContaining('compressed') });
    expect(sniffAudio(Buffer.alloc(4))).toMatchObject({ ok: false, reason: expect.stringContaining('too short') });
  });
});

describe('SoundboardLibrary', () => {
  const make = () => {
    const data = mkdtempSync(join(tmpdir(), 'studio-data-'));
    return { data, lib: new SoundboardLibrary(openStudioDb(':memory:'), data) };
  };
  const importFile = (lib: SoundboardLibrary, file: string, name = 'tone.wav') =>
    lib.importClip({ fileName: name, dataBase64: readFileSync(file).toString('base64'), durationMs: 500, peaks: [0.5, 1] });

  it('imports a clip: the file is copied into the data folder and listed', () => {
    const { data, lib } = make();
    const clip = importFile(lib, files.flac!, 'Applause.flac');
    expect(clip).toMatchObject({ name: 'Applause', format: 'flac', durationMs: 500 });
    expect(existsSync(join(data, 'clips', `${clip.id}.flac`))).toBe(true);
    expect(lib.getLibrary().clips).toHaveLength(1);
    expect(Buffer.from(lib.readClip({ clipId: clip.id }).dataBase64, 'base64').equals(readFileSync(files.flac!))).toBe(true);
  });

  it('a corrupt or unsupported file is refused with the reason; nothing is added, no file left', () => {
    const { data, lib } = make();
    importFile(lib, files.wav!);
    const before = JSON.stringify(lib.getLibrary());
    const junk = join(dir, 'notes.txt');
    writeFileSync(junk, 'this is not a sound, it is a shopping list: eggs, milk');
    expect(() => importFile(lib, junk, 'notes.txt')).toThrow(/Cannot import “notes.txt”: unsupported format/);
    const truncated = join(dir, 'cut.wav');
    writeFileSync(truncated, readFileSync(files.wav!).subarray(0, 40));
    expect(() => importFile(lib, truncated, 'cut.wav')).toThrow(/Cannot import “cut.wav”/);
    expect(JSON.stringify(lib.getLibrary())).toBe(before);
    expect(readdirSync(join(data, 'clips'))).toHaveLength(1);
  });

  it('sets hold pads in order; reorder must be a permutation; hotkeys are unique per set', () => {
    const { lib } = make();
    const clip = importFile(lib, files.wav!);
    const setId = lib.createSet({ name: 'Monday show' }).sets[0]!.id;
    const pad = { setId, clipId: clip.id, colour: '#1d9bf0', gainDb: 0, mode: 'one-shot' as const, stopOthers: false, fadeInMs: 0, fadeOutMs: 0 };
    lib.savePad({ ...pad, name: 'Intro', hotkey: '1' });
    lib.savePad({ ...pad, name: 'Outro', hotkey: '2' });
    const [a, b] = lib.getLibrary().sets[0]!.pads;
    expect([a!.name, b!.name]).toEqual(['Intro', 'Outro']);
    expect(() => lib.savePad({ ...pad, name: 'Clash', hotkey: '1' })).toThrow(/already plays “Intro”/);
    expect(() => lib.reorderPads({ setId, padIds: [a!.id] })).toThrow(/every pad/);
    lib.reorderPads({ setId, padIds: [b!.id, a!.id] });
    expect(lib.getLibrary().sets[0]!.pads.map((p) => p.name)).toEqual(['Outro', 'Intro']);
    expect(() => lib.deleteClip({ clipId: clip.id })).toThrow(/on 2 pads/);
    lib.deleteSet({ setId });
    expect(lib.deleteClip({ clipId: clip.id }).clips).toHaveLength(0);
  });
});
