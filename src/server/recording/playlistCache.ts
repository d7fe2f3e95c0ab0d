import { livePlaylist } from './playlist.js';
import type { RecordingStore } from './store.js';

/**
 * The live playlists, built from the newest rows only and kept until the next segment arrives
 * (or the recording ends), so the work per request does not grow with the recording or the
 * audience.
 */
export class LivePlaylistCache {
  private readonly cache = new Map<string, { key: string; text: string }>();

  constructor(
    private readonly store: RecordingStore,
    private readonly options: { segmentS: number; liveWindow: number },
  ) {}

  /** null: no live recording to play. */
  get(spaceId: string): string | null {
    const row = this.store.row(spaceId);
    if (!row) return null;
    const last = this.store.maxSeq(spaceId);
    if (last === null) return null;
    const key = `${last}/${row.ended_at !== null}`;
    const cached = this.cache.get(spaceId);
    if (cached?.key === key) return cached.text;
    const rows = this.store.newestSegments(spaceId, this.options.liveWindow);
    // Runs only grow with seq: the run changes before the window = distinct runs up to its first segment - 1.
    const runs = this.store.runsUpTo(spaceId, rows[0]!.seq);
    const text = livePlaylist(
      rows.map((s) => ({ seq: s.seq, run: s.run, file: s.file, durationMs: s.duration_ms, positionMs: s.position_ms, startedAt: s.started_at })),
      { targetS: this.options.segmentS, discontinuitySequence: runs - 1, ended: row.ended_at !== null },
    );
    this.cache.set(spaceId, { key, text });
    return text;
  }

  forget(spaceId: string): void {
    this.cache.delete(spaceId);
  }
}
