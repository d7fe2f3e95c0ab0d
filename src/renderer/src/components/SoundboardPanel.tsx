import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Clip, Library, Pad, PadMode } from '../../../shared/soundboard';
import { studio } from '../api';
import { useSoundboardKeys } from '../audio/padKeys';
import type { SoundboardPlayer } from '../audio/soundboardPlayer';
import { errorText, Sentence } from '../errors';
import { AppError } from '../../../shared/errors';

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
  const { t } = useTranslation();
  const [, setTick] = useState(0);
  const [dragging, setDragging] = useState<string | null>(null);

  useEffect(() => player.onChange(() => setTick((t) => t + 1)), [player]);
  useEffect(() => {
    void studio.getLibrary({}).then(setLibrary, (err: unknown) => onError(String(err)));
  }, [onError]);
  const set = library.sets.find((s) => s.id === setId) ?? library.sets[0] ?? null;
  const pads = useMemo(() => set?.pads ?? [], [set]);
  const clipOf = (id: string): Clip | undefined => library.clips.find((c) => c.id === id);

  // Each pad's playback chain is built before its first press.
  useEffect(() => player.prepare(pads), [player, pads]);

  // Decode each clip of the set once.
  useEffect(() => {
    for (const pad of pads) {
      if (player.has(pad.clipId)) continue;
      void studio
        .readClip({ clipId: pad.clipId })
        .then(async ({ dataBase64 }) => player.store(pad.clipId, await player.decode(fromBase64(dataBase64))))
        .then(() => setTick((t) => t + 1))
        .catch((err: unknown) => onError(t('soundboard.clipFailed', { name: pad.name, reason: errorText(err) })));
    }
  }, [pads, player, onError, t]);

  const trigger = useCallback(
    (pad: Pad) => {
      try {
        player.trigger(pad, pads);
      } catch (err) {
        onError(errorText(err));
      }
    },
    [player, pads, onError],
  );

  // Staff on other machines see this set's pads and may cue them; a cue plays here, on air.
  useEffect(() => {
    if (!hostOf) return;
    void studio.spaceAction({ type: 'staff.pads', params: { spaceId: hostOf, pads: pads.map((p) => ({ id: p.id, name: p.name, colour: p.colour })) } }).catch(() => undefined);
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
    void studio.setGlobalPadKeys({ keys: [...hotkeys] }).then(
      (r) =>
        setGlobalNote(
          !r.desktop
            ? t('soundboard.globalBrowser')
            : r.taken.length
              ? t('soundboard.globalTaken', { keys: r.taken.join(', ') })
              : r.registered.length
                ? t('soundboard.globalKeys', { keys: r.registered.join('/').toUpperCase() })
                : null,
        ),
      () => undefined,
    );
  }, [hotkeys, t]);
  useEffect(
    () =>
      studio.onGlobalPadKey(({ key }) => {
        const pad = pads.find((p) => p.hotkey === key);
        if (pad) trigger(pad);
      }),
    [pads, trigger],
  );

  // Hotkeys while the window has focus (not while typing); Escape stops everything.
  useSoundboardKeys(player, pads, onError);

  const importFile = (file: File): Promise<void> =>
    run(async () => {
      const bytes = await file.arrayBuffer();
      let buffer: AudioBuffer;
      try {
        buffer = await player.decode(bytes.slice(0));
      } catch {
        throw new Sentence(t('soundboard.importRefused', { name: file.name }));
      }
      const clip = await studio
        .importClip({ fileName: file.name, dataBase64: toBase64(bytes), durationMs: Math.max(1, Math.round(buffer.duration * 1000)), peaks: peaksOf(buffer) })
        .catch((err: unknown) => {
          // The library refuses a file it cannot sniff as audio: say which file, in the person's language.
          throw err instanceof AppError && err.code === 'bad_message' ? new Sentence(t('soundboard.importRefused', { name: file.name })) : err;
        });
      player.store(clip.id, buffer);
      let lib = await studio.getLibrary({});
      let target = set?.id ?? lib.sets[0]?.id;
      if (!target) {
        lib = await studio.createSet({ name: t('soundboard.firstSet') });
        target = lib.sets[0]!.id;
      }
      setSetId(target);
      setLibrary(await studio.savePad({ setId: target, clipId: clip.id, name: clip.name, colour: COLOURS[lib.clips.length % COLOURS.length]!, gainDb: 0, mode: 'one-shot', stopOthers: false, fadeInMs: 0, fadeOutMs: 0, hotkey: null }));
    });

  /** Ctrl+Left/Right on a pad moves it (the keyboard's way to reorder). */
  const move = (padId: string, by: -1 | 1): Promise<void> =>
    run(async () => {
      if (!set) return;
      const ids = pads.map((p) => p.id);
      const from = ids.indexOf(padId);
      const to = from + by;
      if (from < 0 || to < 0 || to >= ids.length) return;
      ids.splice(to, 0, ...ids.splice(from, 1));
      setLibrary(await studio.reorderPads({ setId: set.id, padIds: ids }));
    });

  const drop = (targetId: string): Promise<void> =>
    run(async () => {
      if (!set || !dragging || dragging === targetId) return;
      const ids = pads.map((p) => p.id).filter((id) => id !== dragging);
      ids.splice(ids.indexOf(targetId), 0, dragging);
      setLibrary(await studio.reorderPads({ setId: set.id, padIds: ids }));
    });

  const fileInput = useRef<HTMLInputElement>(null);
  const [dropping, setDropping] = useState(false);
  return (
    <section
      className={dropping ? 'panel soundboard dropping' : 'panel soundboard'}
      aria-label={t('soundboard.region')}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setDropping(true);
      }}
      onDragLeave={() => setDropping(false)}
      onDrop={(e) => {
        const file = e.dataTransfer.files[0];
        setDropping(false);
        if (!file) return;
        e.preventDefault();
        void importFile(file);
      }}
    >
      <div className="panel-head">
        <h2>{t('soundboard.title')}</h2>
        <select aria-label={t('soundboard.padSet')} value={set?.id ?? ''} onChange={(e) => setSetId(e.target.value)}>
          {library.sets.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
        <button type="button" className="secondary small" onClick={() => void run(async () => setLibrary(await studio.createSet({ name: t('soundboard.setName', { n: library.sets.length + 1 }) })))}>
          {t('soundboard.newSet')}
        </button>
        <button type="button" className="secondary small" onClick={() => fileInput.current?.click()} aria-describedby="import-formats">
          {t('soundboard.importButton')}
        </button>
        <input
          ref={fileInput}
          className="visually-hidden"
          type="file"
          tabIndex={-1}
          aria-label={t('soundboard.importClip')}
          accept=".wav,.mp3,.ogg,.opus,.flac,audio/*"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void importFile(file);
          }}
        />
        <button type="button" className="danger small" onClick={() => player.stopAll(pads)} aria-keyshortcuts="Escape">
          {t('soundboard.stopAll')} <kbd>Esc</kbd>
        </button>
      </div>
      <ul className="pads" aria-label={t('soundboard.pads')}>
        {pads.map((pad) => {
          const playing = player.isPlaying(pad.id);
          const clip = clipOf(pad.clipId);
          return (
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
                className={playing ? 'pad playing' : 'pad'}
                data-colour={pad.colour}
                aria-pressed={playing}
                aria-label={t('soundboard.play', { name: pad.name })}
                aria-keyshortcuts={pad.hotkey ?? undefined}
                onClick={() => trigger(pad)}
                onKeyDown={(e) => {
                  if (!e.ctrlKey || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight')) return;
                  e.preventDefault();
                  void move(pad.id, e.key === 'ArrowLeft' ? -1 : 1);
                }}
                style={{ borderColor: pad.colour, ['--pad-colour' as string]: pad.colour, ['--pad-ms' as string]: `${clip?.durationMs ?? 1000}ms` }}
              >
                <span className={playing ? `ring running ${pad.mode}` : 'ring'} aria-hidden="true" />
                {pad.hotkey && <kbd className="pad-key">{pad.hotkey.toUpperCase()}</kbd>}
                <span className="pad-name">{pad.name}</span>
                <Waveform peaks={clip?.peaks ?? []} />
                <span className="pad-meta">{t(`soundboard.modes.${pad.mode}`)}</span>
              </button>
              <button type="button" className="link small" aria-label={t('soundboard.edit', { name: pad.name })} onClick={() => setDraft(draftOf(pad))}>
                {t('common.edit')}
              </button>
            </li>
          );
        })}
      </ul>
      {pads.length === 0 && (
        <p className="muted drop-hint" id="import-formats">
          {t('soundboard.empty')}
        </p>
      )}
      {draft && (
        <form
          className="pad-editor drawer"
          aria-label={t('soundboard.editPad')}
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              setLibrary(await studio.savePad(draft));
              setDraft(null);
            });
          }}
        >
          <label>
            {t('soundboard.name')} <input value={draft.name} maxLength={40} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
          </label>
          <label>
            {t('soundboard.colour')} <input type="color" value={draft.colour} onChange={(e) => setDraft({ ...draft, colour: e.target.value })} />
          </label>
          <label>
            {t('soundboard.padGain', { db: draft.gainDb })} <input type="range" min={-30} max={12} value={draft.gainDb} onChange={(e) => setDraft({ ...draft, gainDb: Number(e.target.value) })} />
          </label>
          <label>
            {t('soundboard.mode')}
            <select value={draft.mode} onChange={(e) => setDraft({ ...draft, mode: e.target.value as PadMode })}>
              <option value="one-shot">{t('soundboard.modeNames.one-shot')}</option>
              <option value="toggle">{t('soundboard.modeNames.toggle')}</option>
              <option value="loop">{t('soundboard.modeNames.loop')}</option>
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={draft.stopOthers} onChange={(e) => setDraft({ ...draft, stopOthers: e.target.checked })} /> {t('soundboard.stopOthers')}
          </label>
          <label>
            {t('soundboard.fadeIn')} <input type="number" min={0} max={10000} step={50} value={draft.fadeInMs} onChange={(e) => setDraft({ ...draft, fadeInMs: Number(e.target.value) })} />
          </label>
          <label>
            {t('soundboard.fadeOut')} <input type="number" min={0} max={10000} step={50} value={draft.fadeOutMs} onChange={(e) => setDraft({ ...draft, fadeOutMs: Number(e.target.value) })} />
          </label>
          <label>
            {t('soundboard.hotkey')}
            <input value={draft.hotkey ?? ''} maxLength={1} placeholder={t('soundboard.hotkeyHint')} onChange={(e) => setDraft({ ...draft, hotkey: e.target.value.toLowerCase() || null })} />
          </label>
          <div className="row">
            <button type="submit">{t('soundboard.savePad')}</button>
            <button type="button" className="secondary" onClick={() => setDraft(null)}>
              {t('common.cancel')}
            </button>
            {draft.id && (
              <button type="button" className="danger" onClick={() => void run(async () => {
                setLibrary(await studio.deletePad({ padId: draft.id! }));
                setDraft(null);
              })}>
                {t('soundboard.deletePad')}
              </button>
            )}
          </div>
        </form>
      )}
      <p className="muted small-print">
        {t('soundboard.clips', { count: library.clips.length })} {t('soundboard.keysHint')}
      </p>
      {globalNote && <p className="muted small-print" data-testid="global-keys">{globalNote}</p>}
    </section>
  );
}
