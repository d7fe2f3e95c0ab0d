import type { SignalingClient } from '../shared/signalingClient.js';
import { DOWNLOAD_FORMATS, positionOf, type DownloadFormat, type RecordingPermissions, type RecordingState, type RecordingTimeline } from '../shared/recording.js';
import type { CaptionSegment } from '../shared/transcript.js';
import { AppError } from '../shared/errors.js';
import { playHls, type HlsPlayback } from './hlsPlayer.js';
import { reportPlays } from './listenReport.js';
import { mountChapters } from './chapters.js';

const SAVER_KEY = 'spaces.dataSaver';

export interface RecordingUi {
  /** Listen over HLS instead of WebRTC (data saver chosen, or the WebRTC audience is full). */
  wantsHls(): boolean;
  /** The server said the WebRTC audience is full: listen over HLS from now on. */
  audienceFull(): void;
  playingHls(): boolean;
  startHls(audio: HTMLAudioElement): Promise<void>;
  stopHls(): void;
  /** Signed in or out, or the role changed: ask the server again what this person may do (clip, download). */
  permissionsChanged(): void;
}

const fmt = (ms: number): string => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/**
 * Everything about the recording on the listener page (issue 12): the "Recorded" badge, the
 * warning in an invitation to speak, the data-saver (HLS) choice and its delay, and, once the Space
 * has ended, the replay (play/pause, seek, speed, the transcript beside it, who spoke when) or why
 * there is none. Who sees the clip and download controls follows the server's answer for the
 * signed-in person (roles.ts), asked again on every sign-in, sign-out and role change.
 * `onModeChange`: the listening mode changed, main should renegotiate.
 */
export function mountRecording(
  root: HTMLElement,
  invite: HTMLElement,
  client: SignalingClient,
  spaceId: string,
  opts: { onModeChange: () => void },
): RecordingUi {
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> & Record<string, unknown> = {}): HTMLElementTagNameMap[K] =>
    Object.assign(document.createElement(tag), props);

  const badge = el('p', { id: 'recorded', className: 'recorded', hidden: true, textContent: '● Recorded' });
  badge.setAttribute('role', 'status');
  const inviteNote = el('p', { id: 'invite-recorded', className: 'recorded-note', hidden: true, textContent: 'This Space is recorded: what you say on stage will be in the recording and its replay.' });
  invite.prepend(inviteNote);

  const saverLabel = el('label', { className: 'saver' });
  const saver = el('input', { type: 'checkbox', id: 'data-saver', checked: localStorage.getItem(SAVER_KEY) === 'on' });
  saverLabel.append(saver, ' Data saver (listen a few seconds behind, over HTTP)');
  saverLabel.hidden = true;
  const delay = el('p', { id: 'hls-delay', className: 'hls-delay', hidden: true });
  delay.setAttribute('aria-live', 'off');

  const clipRow = el('div', { className: 'row', hidden: true });
  const clipButton = el('button', { type: 'button', id: 'clip', className: 'secondary', textContent: 'Save the last 30 s as a clip' });
  const clipLink = el('a', { id: 'clip-link', hidden: true });
  clipRow.append(clipButton);

  const replay = el('section', { id: 'replay', className: 'replay', hidden: true });
  replay.setAttribute('aria-label', 'Replay');
  const replayAudio = el('audio', { id: 'replay-audio', preload: 'auto' });
  const play = el('button', { type: 'button', id: 'replay-play', textContent: 'Play replay' });
  const seek = el('input', { type: 'range', id: 'replay-seek', min: '0', step: '0.1', value: '0' });
  seek.setAttribute('aria-label', 'Position');
  const time = el('span', { id: 'replay-time', textContent: '0:00 / 0:00' });
  const speeds = el('div', { className: 'row speeds' });
  const speedButtons = [1, 1.5, 2].map((r) => {
    const b = el('button', { type: 'button', className: 'secondary', textContent: `${r}x` });
    b.dataset.rate = String(r);
    b.setAttribute('aria-pressed', String(r === 1));
    b.addEventListener('click', () => {
      replayAudio.playbackRate = r;
      for (const o of speedButtons) o.setAttribute('aria-pressed', String(o === b));
    });
    speeds.append(b);
    return b;
  });
  const speakers = el('ul', { id: 'replay-speakers', className: 'speakers' });
  speakers.setAttribute('aria-label', 'Who spoke when');
  const transcript = el('ol', { id: 'replay-transcript', className: 'replay-transcript' });
  transcript.setAttribute('aria-label', 'Transcript');
  // Downloads: each button asks for a short-lived grant for its file, then the browser fetches it.
  const downloads = el('p', { id: 'downloads', className: 'downloads', hidden: true });
  const downloadNote = el('span', { id: 'download-note', className: 'notice' });
  downloadNote.setAttribute('aria-live', 'polite');
  const LABEL: Record<DownloadFormat, string> = { m4a: 'Download M4A (AAC)', flac: 'Download FLAC (lossless)' };
  downloads.append(
    ...DOWNLOAD_FORMATS.map((format) => {
      const b = el('button', { type: 'button', className: 'secondary', textContent: LABEL[format] });
      b.addEventListener('click', () => {
        downloadNote.textContent = '';
        client
          .request('recording.downloadLink', { spaceId, format })
          .then(({ url }) => {
            const a = el('a', { href: url, download: `space-${spaceId}.${format}`, hidden: true });
            document.body.append(a);
            a.click();
            a.remove();
          })
          .catch((err) => (downloadNote.textContent = AppError.from(err).message));
      });
      return b;
    }),
    downloadNote,
  );
  replay.append(replayAudio, play, seek, time, speeds, downloads, speakers, transcript);
  const gone = el('p', { id: 'replay-gone', className: 'notice', hidden: true });

  root.append(badge, saverLabel, delay, clipRow, clipLink, replay, gone);

  let state: RecordingState | null = null;
  let may: RecordingPermissions = { clip: false, download: false };
  let spaceEnded = false;
  let full = false;
  let live: HlsPlayback | null = null;
  let liveReport: { stop(): void } | null = null;
  let replayPlayer: HlsPlayback | null = null;
  let lines: { el: HTMLElement; positionMs: number }[] = [];

  const render = (): void => {
    const recorded = !!state && (state.on || ['recording', 'paused'].includes(state.availability));
    badge.hidden = !recorded || spaceEnded;
    inviteNote.hidden = !recorded;
    saverLabel.hidden = spaceEnded || !state || state.availability !== 'recording';
    clipRow.hidden = !may.clip || !state || !['recording', 'paused', 'replay'].includes(state.availability);
    const a = state?.availability;
    downloads.hidden = !may.download || !spaceEnded || a !== 'replay';
    gone.hidden = !spaceEnded || (a !== 'expired' && a !== 'deleted');
    gone.textContent = a === 'expired' ? 'This recording has expired and was deleted.' : a === 'deleted' ? 'The host deleted this recording.' : '';
    if (spaceEnded && a === 'replay' && replay.hidden) void openReplay();
    if (a !== 'replay') replay.hidden = true;
  };

  const openReplay = async (): Promise<void> => {
    replay.hidden = false;
    const [timeline, caps] = await Promise.all([
      fetch(`/s/${spaceId}/recording.json`).then((r) => r.json() as Promise<RecordingTimeline>),
      fetch(`/s/${spaceId}/transcript.json`).then((r) => (r.ok ? (r.json() as Promise<CaptionSegment[] | { segments: CaptionSegment[] }>) : [])),
    ]);
    const segments = Array.isArray(caps) ? caps : (caps.segments ?? []);
    const total = timeline.state.durationMs;
    seek.max = String(total / 1000);
    time.textContent = `0:00 / ${fmt(total)}`;
    const origin = timeline.transcriptOriginAt;
    lines = origin === null ? [] : segments.map((s) => ({ s, positionMs: positionOf(timeline, origin + s.startMs) })).map(({ s, positionMs }) => {
      const li = el('li');
      const b = el('button', { type: 'button', className: 'line' });
      b.dataset.positionMs = String(Math.round(positionMs));
      b.append(el('span', { className: 'at', textContent: fmt(positionMs) }), el('span', { className: 'who', textContent: s.speakerName ?? '' }), el('span', { className: 'text', textContent: s.text }));
      b.addEventListener('click', () => {
        replayAudio.currentTime = positionMs / 1000;
        void replayAudio.play();
      });
      li.append(b);
      transcript.append(li);
      return { el: b, positionMs };
    });
    // Who spoke when: consecutive lines of one speaker make one stretch.
    const stretches: { who: string; from: number; to: number }[] = [];
    segments.forEach((s, i) => {
      const who = s.speakerName ?? 'Unknown speaker';
      const from = lines[i]?.positionMs ?? 0;
      const to = from + (s.endMs - s.startMs);
      const last = stretches.at(-1);
      if (last && last.who === who) last.to = to;
      else stretches.push({ who, from, to });
    });
    speakers.replaceChildren(...stretches.map((st) => el('li', { textContent: `${st.who} ${fmt(st.from)}–${fmt(st.to)}` })));
    if (!replayPlayer) {
      replayPlayer = await playHls(replayAudio, `/s/${spaceId}/hls/replay.m3u8`, { live: false, startAtS: 0 });
      reportPlays(spaceId, 'replay', replayAudio); // replay plays and how far they got (issue 22)
      mountChapters(replay, spaceId, replayAudio, transcript);
    }
  };

  play.addEventListener('click', () => (replayAudio.paused ? void replayAudio.play() : replayAudio.pause()));
  replayAudio.addEventListener('play', () => (play.textContent = 'Pause'));
  replayAudio.addEventListener('pause', () => (play.textContent = 'Play replay'));
  seek.addEventListener('input', () => (replayAudio.currentTime = Number(seek.value)));
  replayAudio.addEventListener('timeupdate', () => {
    const ms = replayAudio.currentTime * 1000;
    if (document.activeElement !== seek) seek.value = String(replayAudio.currentTime);
    time.textContent = `${fmt(ms)} / ${fmt(state?.durationMs ?? 0)}`;
    let current: HTMLElement | null = null;
    for (const l of lines) if (l.positionMs <= ms) current = l.el;
    for (const l of lines) {
      if (l.el === current) l.el.setAttribute('aria-current', 'true');
      else l.el.removeAttribute('aria-current');
    }
  });

  clipButton.addEventListener('click', () => {
    const endMs = spaceEnded ? Math.round(replayAudio.currentTime * 1000) : undefined;
    client
      .request('clip.create', { spaceId, durationMs: 30_000, ...(endMs !== undefined ? { endMs } : {}) })
      .then(({ url }) => {
        clipLink.hidden = false;
        clipLink.href = url;
        clipLink.textContent = `Clip saved: ${url}`;
      })
      .catch((err) => {
        clipLink.hidden = false;
        clipLink.removeAttribute('href');
        clipLink.textContent = AppError.from(err).message;
      });
  });

  saver.addEventListener('change', () => {
    localStorage.setItem(SAVER_KEY, saver.checked ? 'on' : 'off');
    opts.onModeChange();
  });

  setInterval(() => {
    const d = live?.delayMs() ?? null;
    delay.hidden = !live;
    if (live) {
      delay.dataset.delayMs = d === null ? '' : String(Math.round(d));
      delay.textContent = d === null ? 'Listening over HTTP (data saver)…' : `Listening over HTTP: about ${Math.max(0, d / 1000).toFixed(1)} s behind live`;
    }
  }, 500);

  const refresh = async (): Promise<void> => {
    try {
      spaceEnded = (await client.request('space.watch', { spaceId })).space.state === 'ended';
      ({ state, may } = await client.request('recording.get', { spaceId }));
    } catch {
      state = null;
      may = { clip: false, download: false };
    }
    render();
  };
  client.onEvent((e) => {
    if (e.type === 'recording.state' && e.state.spaceId === spaceId) {
      state = e.state;
      render();
    } else if (e.type === 'space.updated' && e.space.id === spaceId) {
      const ended = e.space.state === 'ended';
      if (ended !== spaceEnded) {
        spaceEnded = ended;
        void refresh();
      }
    }
  });
  client.onState((s) => {
    if (s === 'connected') void refresh();
  });

  return {
    wantsHls: () => (saver.checked || full) && !!state && state.availability === 'recording',
    audienceFull: () => {
      full = true;
    },
    playingHls: () => !!live,
    startHls: async (audio) => {
      live?.destroy();
      liveReport?.stop();
      live = await playHls(audio, `/s/${spaceId}/hls/live.m3u8`, { live: true });
      liveReport = reportPlays(spaceId, 'hls', audio); // HLS listeners are counted from these reports (issue 22)
    },
    stopHls: () => {
      live?.destroy();
      live = null;
      liveReport?.stop();
      liveReport = null;
    },
    permissionsChanged: () => void refresh(),
  };
}
