import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Clip, Library, Pad, PadMode } from '../../../shared/soundboard';
import { studio } from '../api';
import type { MonitorMode } from '../audio/consoleEngine';
import type { SoundboardPlayer } from '../audio/soundboardPlayer';
import { MonitorModeSelect } from './MonitorModeSelect';

const COLOURS = ['#1d9bf0', '#f4212e', '#00ba7c', '#ffd400', '#7856ff', '#ff7a00'];

function toBase64(bytes: ArrayBuffer): string {
  let s = '';
  const u8 = new Uint8Array(bytes);
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(b64: string): ArrayBuffer {
  const bin = atob(b64);
  const u8 = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
  return u8.buffer;
}

/** 100 peaks (0..1) of the first channel, for the pad's waveform. */
function peaksOf(buffer: AudioBuffer, buckets = 100): number[] {
  const data = buffer.getChannelData(0);
  const size = Math.max(1, Math.floor(data.length / buckets));
  return Array.from({ length: Math.min(buckets, data.length) }, (_, b) => {
    let peak = 0;
    for (let i = b * size; i < Math.min(data.length, (b + 1) * size); i++) peak = Math.max(peak, Math.abs(data[i]!));
    return Math.min(1, Math.round(peak * 1000) / 1000);
  });
}

function Waveform({ peaks }: { peaks: number[] }) {
  const d = peaks.map((p, i) => `M${i} ${10 - p * 10}V${10 + p * 10}`).join('');
  return (
    <svg className="waveform" viewBox={`0 0 ${Math.max(1, peaks.length)} 20`} preserveAspectRatio="none" aria-hidden="true">
      <path d={d} />
    </svg>
  );
}

type Draft = Omit<Pad, 'id' | 'position'> & { id?: string };

/** The editable part of a pad (its position changes only by dragging). */
function draftOf({ position: _position, ...pad }: Pad): Draft {
  return pad;
}

/**
 * The soundboard: pad sets per show, a grid of pads (name, colour, waveform, gain, mode, stop
 * others, fades, hotkey), drag to reorder, stop all. Pads play into the broadcast and the monitor.
 */
export function SoundboardPanel({
  player,
  run,
  onError,
  hostOf,
}: {
  player: SoundboardPlayer;
  run: (what: () => Promise<void>) => Promise<void>;
  onError: (m: string) => void;
  /** The Space this Studio hosts: its pads are published to staff, who may cue them. */
  hostOf: string | null;
}) {
  const [library, setLibrary] = useState<Library>({ clips: [], sets: [] });
  const [setId, setSetId] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [monitorMode, setMonitorMode] = useState<MonitorMode>(player.monitorMode);
  const [, setTick] = useState(0);
  const [dragging, setDragging] = useState<string | null>(null);

  useEffect(() => player.onChange(() => setTick((t) => t + 1)), [player]);
  useEffect(() => {
    void studio.getLibrary({}).then(setLibrary, (err: unknown) => onError(String(err)));
  }, [onError]);
  const set = library.sets.find((s) => s.id === setId) ?? library.sets[0] ?? null;
  const pads = useMemo(() => set?.pads ?? [], [set]);
  const clipOf = (id: string): Clip | undefined => library.clips.find((c) => c.id === id);

  // Decode each clip of the set once.
  useEffect(() => {
    for (const pad of pads) {
      if (player.has(pad.clipId)) continue;
      void studio
        .readClip({ clipId: pad.clipId })
        .then(async ({ dataBase64 }) => player.store(pad.clipId, await player.decode(fromBase64(dataBase64))))
        .then(() => setTick((t) => t + 1))
        .catch((err: unknown) => onError(`Clip “${pad.name}”: ${err instanceof Error ? err.message : String(err)}`));
    }
  }, [pads, player, onError]);

  const trigger = useCallback(
    (pad: Pad) => {
      try {
        player.trigger(pad, pads);
      } catch (err) {
        onError(err instanceof Error ? err.message : String(err));
      }
    },
    [player, pads, onError],
  );

  // Staff on other machines see this set's pads and may cue them; a cue plays here, on air.
  useEffect(() => {
    if (!hostOf) return;
    void studio.publishPads({ spaceId: hostOf, pads: pads.map((p) => ({ id: p.id, name: p.name, colour: p.colour })) }).catch(() => undefined);
  }, [hostOf, pads]);
  useEffect(
    () =>
      studio.onCue((cue) => {
        const pad = pads.find((p) => p.id === cue.padId);
        if (cue.spaceId === hostOf && pad) trigger(pad);
      }),
    [hostOf, pads, trigger],
  );

  // Desktop app: the same keys as Alt+Shift+key, even while another application has focus.
  const [globalNote, setGlobalNote] = useState<string | null>(null);
  const hotkeys = pads.map((p) => p.hotkey).filter((k): k is string => !!k).join('');
  useEffect(() => {
    void studio.setGlobalPadKeys({ keys: [...hotkeys] }).then((r) => setGlobalNote(r.reason ?? (r.registered.length ? `Alt+Shift+${r.registered.join('/').toUpperCase()} play pads from any app` : null)), () => undefined);
  }, [hotkeys]);
  useEffect(
    () =>
      studio.onGlobalPadKey(({ key }) => {
        const pad = pads.find((p) => p.hotkey === key);
        if (pad) trigger(pad);
      }),
    [pads, trigger],
  );

  // Hotkeys while the window has focus (not while typing); Escape stops everything.
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement | null;
      if (e.repeat || e.ctrlKey || e.metaKey || e.altKey || (t && /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName))) return;
      if (e.key === 'Escape') return player.stopAll(pads);
      const pad = pads.find((p) => p.hotkey === e.key.toLowerCase());
      if (pad) {
        e.preventDefault();
        trigger(pad);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [pads, player, trigger]);

  const importFile = (file: File): Promise<void> =>
    run(async () => {
      const bytes = await file.arrayBuffer();
      let buffer: AudioBuffer;
      try {
        buffer = await player.decode(bytes.slice(0));
      } catch {
        throw new Error(`Cannot import “${file.name}”: the file is damaged or not a sound this Studio can play (WAV, MP3, Ogg Opus/Vorbis, FLAC).`);
      }
      const clip = await studio.importClip({ fileName: file.name, dataBase64: toBase64(bytes), durationMs: Math.max(1, Math.round(buffer.duration * 1000)), peaks: peaksOf(buffer) });
      player.store(clip.id, buffer);
      let lib = await studio.getLibrary({});
      let target = set?.id ?? lib.sets[0]?.id;
      if (!target) {
        lib = await studio.createSet({ name: 'My show' });
        target = lib.sets[0]!.id;
      }
      setSetId(target);
      setLibrary(await studio.savePad({ setId: target, clipId: clip.id, name: clip.name, colour: COLOURS[lib.clips.length % COLOURS.length]!, gainDb: 0, mode: 'one-shot', stopOthers: false, fadeInMs: 0, fadeOutMs: 0, hotkey: null }));
    });

  const drop = (targetId: string): Promise<void> =>
    run(async () => {
      if (!set || !dragging || dragging === targetId) return;
      const ids = pads.map((p) => p.id).filter((id) => id !== dragging);
      ids.splice(ids.indexOf(targetId), 0, dragging);
      setLibrary(await studio.reorderPads({ setId: set.id, padIds: ids }));
    });

  return (
    <section className="panel soundboard" aria-label="Soundboard">
      <h2>Soundboard</h2>
      <div className="row">
        <select aria-label="Pad set" value={set?.id ?? ''} onChange={(e) => setSetId(e.target.value)}>
          {library.sets.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
        <button type="button" className="secondary" onClick={() => void run(async () => setLibrary(await studio.createSet({ name: `Show ${library.sets.length + 1}` })))}>
          New set
        </button>
        <label className="file">
          Import clip
          <input type="file" aria-label="Import clip" accept=".wav,.mp3,.ogg,.opus,.flac,audio/*" onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void importFile(file);
          }} />
        </label>
        <button type="button" className="danger" onClick={() => player.stopAll(pads)} title="Escape">
          Stop all
        </button>
      </div>
      <ul className="pads" aria-label="Pads">
        {pads.map((pad) => (
          <li
            key={pad.id}
            draggable
            onDragStart={() => setDragging(pad.id)}
            onDragOver={(e) => e.preventDefault()}
            onDrop={() => void drop(pad.id)}
            data-testid={`pad-${pad.name}`}
          >
            <button
              type="button"
              className={player.isPlaying(pad.id) ? 'pad playing' : 'pad'}
              data-colour={pad.colour}
              aria-pressed={player.isPlaying(pad.id)}
              aria-label={`Play ${pad.name}`}
              onClick={() => trigger(pad)}
              style={{ borderColor: pad.colour }}
            >
              <span className="pad-name">{pad.name}</span>
              <Waveform peaks={clipOf(pad.clipId)?.peaks ?? []} />
              <span className="pad-meta">
                {pad.mode}
                {pad.hotkey ? ` · ${pad.hotkey.toUpperCase()}` : ''}
              </span>
            </button>
            <button type="button" className="link" aria-label={`Edit ${pad.name}`} onClick={() => setDraft(draftOf(pad))}>
              Edit
            </button>
          </li>
        ))}
      </ul>
      {draft && (
        <form
          className="pad-editor"
          aria-label="Edit pad"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              setLibrary(await studio.savePad(draft));
              setDraft(null);
            });
          }}
        >
          <label>
            Name <input value={draft.name} maxLength={40} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
          </label>
          <label>
            Colour <input type="color" value={draft.colour} onChange={(e) => setDraft({ ...draft, colour: e.target.value })} />
          </label>
          <label>
            Pad gain ({draft.gainDb} dB) <input type="range" min={-30} max={12} value={draft.gainDb} onChange={(e) => setDraft({ ...draft, gainDb: Number(e.target.value) })} />
          </label>
          <label>
            Mode
            <select value={draft.mode} onChange={(e) => setDraft({ ...draft, mode: e.target.value as PadMode })}>
              <option value="one-shot">One-shot</option>
              <option value="toggle">Toggle</option>
              <option value="loop">Loop</option>
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={draft.stopOthers} onChange={(e) => setDraft({ ...draft, stopOthers: e.target.checked })} /> Stop others
          </label>
          <label>
            Fade in (ms) <input type="number" min={0} max={10000} step={50} value={draft.fadeInMs} onChange={(e) => setDraft({ ...draft, fadeInMs: Number(e.target.value) })} />
          </label>
          <label>
            Fade out (ms) <input type="number" min={0} max={10000} step={50} value={draft.fadeOutMs} onChange={(e) => setDraft({ ...draft, fadeOutMs: Number(e.target.value) })} />
          </label>
          <label>
            Hotkey
            <input value={draft.hotkey ?? ''} maxLength={1} placeholder="a-z, 0-9" onChange={(e) => setDraft({ ...draft, hotkey: e.target.value.toLowerCase() || null })} />
          </label>
          <div className="row">
            <button type="submit">Save pad</button>
            <button type="button" className="secondary" onClick={() => setDraft(null)}>
              Cancel
            </button>
            {draft.id && (
              <button type="button" className="danger" onClick={() => void run(async () => {
                setLibrary(await studio.deletePad({ padId: draft.id! }));
                setDraft(null);
              })}>
                Delete pad
              </button>
            )}
          </div>
        </form>
      )}
      <MonitorModeSelect
        label="Soundboard monitoring"
        value={monitorMode}
        onChange={(m) => {
          player.setMonitorMode(m);
          setMonitorMode(m);
        }}
      />
      <p className="muted">{library.clips.length} clips in the library. Keys play pads while this window has focus; Escape stops all.</p>
      {globalNote && <p className="muted" data-testid="global-keys">{globalNote}</p>}
    </section>
  );
}
