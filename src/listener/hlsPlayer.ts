import type { ErrorData } from 'hls.js';

/**
 * Plays an HLS playlist in an <audio> element with hls.js (Media Source Extensions, loaded only
 * when needed), or natively where there is no MSE (iPhone Safari). `delayMs` says how far behind real
 * time the sound is, from the playlist's program date-times (the server's clock).
 */
export interface HlsPlayback {
  /** Milliseconds between now and the wall time of what is playing; null until known. */
  delayMs(): number | null;
  destroy(): void;
}

export async function playHls(audio: HTMLAudioElement, url: string, opts: { live: boolean; startAtS?: number }): Promise<HlsPlayback> {
  audio.srcObject = null;
  // The light build: no subtitles, alternate audio or DRM, which an audio Space never uses.
  const { default: Hls } = await import('hls.js/light');
  // hls.js where Media Source Extensions exist (it knows the program date-times); the browser's
  // own HLS otherwise (iPhone Safari).
  if (!Hls.isSupported() && audio.canPlayType('application/vnd.apple.mpegurl')) {
    audio.src = url;
    if (opts.startAtS) audio.currentTime = opts.startAtS;
    if (opts.live) void audio.play().catch(() => undefined);
    return {
      delayMs: () => {
        const start = (audio as HTMLAudioElement & { getStartDate?: () => Date }).getStartDate?.();
        const t = start ? start.getTime() : NaN;
        return Number.isFinite(t) ? Date.now() - (t + audio.currentTime * 1000) : null;
      },
      destroy: () => {
        audio.removeAttribute('src');
        audio.load();
      },
    };
  }
  if (!Hls.isSupported()) throw new Error('this browser cannot play HLS');
  const hls = new Hls({
    // The page's CSP has no blob: workers; hls.js runs fine on the main thread for audio.
    enableWorker: false,
    // Three 1 s segments behind the live edge (fewer stalls under load than two).
    liveSyncDurationCount: 3,
    maxBufferLength: 10,
    startPosition: opts.startAtS ?? -1,
  });
  hls.loadSource(url);
  hls.attachMedia(audio);
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    if (opts.live) void audio.play().catch(() => undefined);
  });
  hls.on(Hls.Events.ERROR, (_e: unknown, data: ErrorData) => {
    if (!data.fatal) return;
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR) hls.startLoad();
    else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
  });
  return {
    delayMs: () => {
      const d = hls.playingDate;
      return d ? Date.now() - d.getTime() : null;
    },
    destroy: () => {
      hls.destroy();
      audio.removeAttribute('src');
      audio.load();
    },
  };
}
