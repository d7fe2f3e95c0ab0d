import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatClock } from '../../../shared/intl';
import type { CaptionSegment, SpeechEngineName, TranscriptFormat, TranscriptStatus } from '../../../shared/transcript';
import { TRANSCRIPT_FORMATS } from '../../../shared/transcript';
import { studio } from '../api';
import type { ConsoleEngine } from '../audio/consoleEngine';
import { TranscriptFeed } from './transcriptFeed';
import { errorText } from '../errors';

/** One feed per console engine: App passes it the stage mix. */
export function useTranscriptFeed(engine: ConsoleEngine): TranscriptFeed {
  const [feed] = useState(() => new TranscriptFeed(engine, (pcm) => void studio.transcriptPcm({ pcm }).catch(() => undefined)));
  useEffect(() => () => feed.stop(), [feed]);
  return feed;
}


/**
 * The live transcript: final lines with speaker labels and the current partial line; follows the
 * newest line unless the user scrolled up; search; export as SRT, VTT, TXT or JSON.
 */
export function TranscriptPanel({ spaceId, live, feed, engine }: { spaceId: string; live: boolean; feed: TranscriptFeed; engine: SpeechEngineName }) {
  const { t, i18n } = useTranslation();
  const clock = (ms: number): string => formatClock(ms, i18n.language);
  const [enabled, setEnabled] = useState(true);
  const [status, setStatus] = useState<TranscriptStatus | null>(null);
  const [finals, setFinals] = useState<CaptionSegment[]>([]);
  const [partial, setPartial] = useState<CaptionSegment | null>(null);
  const [query, setQuery] = useState('');
  const [follow, setFollow] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const offs = [
      studio.onTranscriptStatus(setStatus),
      studio.onTranscriptSegment((s) => {
        if (!s.final) return setPartial(s);
        setPartial((p) => (p?.id === s.id ? null : p));
        if (s.text) setFinals((cur) => [...cur.filter((x) => x.id !== s.id), s]);
      }),
    ];
    void studio.getTranscriptStatus({}).then(setStatus);
    void studio.getTranscript({}).then((t) => setFinals(t.segments));
    return () => offs.forEach((off) => off());
  }, []);

  // Transcribe while live (and enabled): start the engine in main, then the audio feed.
  useEffect(() => {
    if (!live || !enabled) return;
    let cancelled = false;
    void (async () => {
      try {
        setFinals([]);
        setStatus(await studio.startTranscript({ spaceId, engine }));
        if (!cancelled) await feed.start();
      } catch (err) {
        setError(errorText(err));
      }
    })();
    return () => {
      cancelled = true;
      feed.stop();
      void studio.stopTranscript({}).catch(() => undefined);
    };
  }, [live, enabled, spaceId, feed, engine]);

  useEffect(() => {
    const el = list.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [finals, partial, follow]);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return q ? finals.filter((s) => s.text.toLowerCase().includes(q) || (s.speakerName ?? '').toLowerCase().includes(q)) : finals;
  }, [finals, query]);

  const exportAs = async (format: TranscriptFormat): Promise<void> => {
    try {
      const file = await studio.exportTranscript({ format });
      const url = URL.createObjectURL(new Blob([file.content], { type: file.mime }));
      const a = document.createElement('a');
      a.href = url;
      a.download = file.filename;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(errorText(err));
    }
  };

  const state = status?.state ?? 'stopped';
  return (
    <section className="panel transcript" aria-label={t('transcript.region')}>
      <div className="panel-head">
        <h2>{t('transcript.title')}</h2>
        <label className="check inline">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> {t('transcript.enabled')}
        </label>
        <p className={`muted transcript-status transcript-${state}`} data-testid="transcript-status" data-state={state} role="status">
          {t('transcript.engineState', { state: t(`transcript.states.${state}`) })}
          {status?.restarts ? t('transcript.restarted', { n: status.restarts }) : ''}
          {status?.message ? ` — ${status.message}` : ''}
        </p>
        <input type="search" aria-label={t('transcript.search')} placeholder={t('transcript.searchPlaceholder')} value={query} onChange={(e) => setQuery(e.target.value)} />
        {TRANSCRIPT_FORMATS.map((f) => (
          <button key={f} type="button" className="secondary small" onClick={() => void exportAs(f)} disabled={finals.length === 0}>
            {t('transcript.export', { format: f.toUpperCase() })}
          </button>
        ))}
      </div>
      {error && <p className="error">{error}</p>}
      <ol
        ref={list}
        className="transcript-lines"
        data-testid="transcript-lines"
        tabIndex={0}
        aria-label={t('transcript.lines')}
        onScroll={(e) => {
          const el = e.currentTarget;
          setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < 24);
        }}
      >
        {shown.map((s) => (
          <li key={s.id} data-segment-id={s.id}>
            <span className="muted">{clock(s.startMs)}</span> <strong>{s.speakerName ?? t('transcript.unknown')}:</strong> <span className="text">{s.text}</span>
          </li>
        ))}
        {partial && !query && (
          <li className="partial" data-testid="transcript-partial">
            <span className="muted">{clock(partial.startMs)}</span> <strong>{partial.speakerName ?? t('transcript.unknown')}:</strong> <em>{partial.text}</em>
          </li>
        )}
      </ol>
      {!follow && (
        <button type="button" className="secondary small jump" onClick={() => setFollow(true)}>
          {t('transcript.jump')}
        </button>
      )}
    </section>
  );
}
