import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors.js';
import { MAX_CLIP_BYTES, type Clip, type ClipFormat, type Library, type Pad } from '../../shared/soundboard.js';
import type { IpcParsedRequest } from '../../shared/ipc.js';
import { sniffAudio } from './audioFormat.js';

const newId = (prefix: string): string => `${prefix}_${randomBytes(9).toString('base64url')}`;

interface ClipRow {
  id: string;
  name: string;
  format: ClipFormat;
  bytes: number;
  duration_ms: number;
  peaks: string;
  created_at: number;
}
interface PadRow {
  id: string;
  set_id: string;
  clip_id: string;
  name: string;
  colour: string;
  gain_db: number;
  mode: Pad['mode'];
  stop_others: number;
  fade_in_ms: number;
  fade_out_ms: number;
  hotkey: string | null;
  position: number;
}

/**
 * The soundboard library: clips copied into the Studio's data folder, their metadata, and pad
 * sets (one per show). Every change is one SQLite transaction; a clip file is written before its
 * row and removed if the row cannot be, so the library never points at a missing file.
 */
export class SoundboardLibrary {
  private readonly dir: string;

  constructor(
    private readonly db: Database.Database,
    dataDir: string,
  ) {
    this.dir = join(dataDir, 'clips');
    mkdirSync(this.dir, { recursive: true });
  }

  getLibrary(): Library {
    const clips = (this.db.prepare(`SELECT * FROM clips ORDER BY created_at, id`).all() as ClipRow[]).map(toClip);
    const sets = this.db.prepare(`SELECT id, name FROM pad_sets ORDER BY created_at, id`).all() as { id: string; name: string }[];
    const pads = this.db.prepare(`SELECT * FROM pads ORDER BY position, id`).all() as PadRow[];
    return { clips, sets: sets.map((s) => ({ ...s, pads: pads.filter((p) => p.set_id === s.id).map(toPad) })) };
  }

  importClip(req: IpcParsedRequest<'importClip'>): Clip {
    const data = Buffer.from(req.dataBase64, 'base64');
    if (data.length > MAX_CLIP_BYTES) throw new AppError('too_large', `clips are limited to ${MAX_CLIP_BYTES / 1024 / 1024} MB`);
    const sniffed = sniffAudio(data);
    if (!sniffed.ok) throw new AppError('bad_message', `Cannot import “${req.fileName}”: ${sniffed.reason}.`);
    const id = newId('c');
    const file = join(this.dir, `${id}.${sniffed.format}`);
    const tmp = `${file}.part`;
    writeFileSync(tmp, data);
    renameSync(tmp, file);
    const name = req.fileName.replace(/\.[^.]*$/, '').slice(0, 40) || 'Clip';
    try {
      this.db
        .prepare(`INSERT INTO clips (id, name, format, bytes, duration_ms, peaks, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
        .run(id, name, sniffed.format, data.length, req.durationMs, JSON.stringify(req.peaks), Date.now());
    } catch (err) {
      rmSync(file, { force: true });
      throw err;
    }
    return toClip(this.db.prepare(`SELECT * FROM clips WHERE id = ?`).get(id) as ClipRow);
  }

  deleteClip({ clipId }: IpcParsedRequest<'deleteClip'>): Library {
    const clip = this.clip(clipId);
    const used = (this.db.prepare(`SELECT COUNT(*) AS n FROM pads WHERE clip_id = ?`).get(clipId) as { n: number }).n;
    if (used > 0) throw new AppError('invalid_state', `“${clip.name}” is on ${used} pad${used > 1 ? 's' : ''}; delete those first`);
    this.db.prepare(`DELETE FROM clips WHERE id = ?`).run(clipId);
    rmSync(join(this.dir, `${clip.id}.${clip.format}`), { force: true });
    return this.getLibrary();
  }

  readClip({ clipId }: IpcParsedRequest<'readClip'>): { dataBase64: string } {
    const clip = this.clip(clipId);
    try {
      return { dataBase64: readFileSync(join(this.dir, `${clip.id}.${clip.format}`)).toString('base64') };
    } catch {
      throw new AppError('not_found', `the file of “${clip.name}” is missing from the data folder`);
    }
  }

  createSet({ name }: IpcParsedRequest<'createSet'>): Library {
    this.db.prepare(`INSERT INTO pad_sets (id, name, created_at) VALUES (?, ?, ?)`).run(newId('s'), name, Date.now());
    return this.getLibrary();
  }

  renameSet({ setId, name }: IpcParsedRequest<'renameSet'>): Library {
    if (this.db.prepare(`UPDATE pad_sets SET name = ? WHERE id = ?`).run(name, setId).changes === 0) throw new AppError('not_found', 'no such pad set');
    return this.getLibrary();
  }

  deleteSet({ setId }: IpcParsedRequest<'deleteSet'>): Library {
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM pads WHERE set_id = ?`).run(setId);
      if (this.db.prepare(`DELETE FROM pad_sets WHERE id = ?`).run(setId).changes === 0) throw new AppError('not_found', 'no such pad set');
    })();
    return this.getLibrary();
  }

  savePad(req: IpcParsedRequest<'savePad'>): Library {
    this.clip(req.clipId);
    if (!this.db.prepare(`SELECT 1 FROM pad_sets WHERE id = ?`).get(req.setId)) throw new AppError('not_found', 'no such pad set');
    const row = {
      set_id: req.setId,
      clip_id: req.clipId,
      name: req.name,
      colour: req.colour,
      gain_db: req.gainDb,
      mode: req.mode,
      stop_others: req.stopOthers ? 1 : 0,
      fade_in_ms: req.fadeInMs,
      fade_out_ms: req.fadeOutMs,
      hotkey: req.hotkey,
    };
    this.db.transaction(() => {
      if (req.hotkey) {
        const clash = this.db.prepare(`SELECT name FROM pads WHERE set_id = ? AND hotkey = ? AND id != ?`).get(req.setId, req.hotkey, req.id ?? '') as { name: string } | undefined;
        if (clash) throw new AppError('invalid_state', `the key “${req.hotkey}” already plays “${clash.name}”`);
      }
      if (req.id) {
        const changed = this.db
          .prepare(
            `UPDATE pads SET set_id=@set_id, clip_id=@clip_id, name=@name, colour=@colour, gain_db=@gain_db, mode=@mode,
             stop_others=@stop_others, fade_in_ms=@fade_in_ms, fade_out_ms=@fade_out_ms, hotkey=@hotkey WHERE id=@id`,
          )
          .run({ ...row, id: req.id }).changes;
        if (changed === 0) throw new AppError('not_found', 'no such pad');
      } else {
        const next = (this.db.prepare(`SELECT COALESCE(MAX(position) + 1, 0) AS n FROM pads WHERE set_id = ?`).get(req.setId) as { n: number }).n;
        this.db
          .prepare(
            `INSERT INTO pads (id, set_id, clip_id, name, colour, gain_db, mode, stop_others, fade_in_ms, fade_out_ms, hotkey, position)
             VALUES (@id, @set_id, @clip_id, @name, @colour, @gain_db, @mode, @stop_others, @fade_in_ms, @fade_out_ms, @hotkey, @position)`,
          )
          .run({ ...row, id: newId('p'), position: next });
      }
    })();
    return this.getLibrary();
  }

  deletePad({ padId }: IpcParsedRequest<'deletePad'>): Library {
    if (this.db.prepare(`DELETE FROM pads WHERE id = ?`).run(padId).changes === 0) throw new AppError('not_found', 'no such pad');
    return this.getLibrary();
  }

  reorderPads({ setId, padIds }: IpcParsedRequest<'reorderPads'>): Library {
    const current = (this.db.prepare(`SELECT id FROM pads WHERE set_id = ?`).all(setId) as { id: string }[]).map((r) => r.id);
    const same = current.length === padIds.length && new Set(padIds).size === padIds.length && padIds.every((id) => current.includes(id));
    if (!same) throw new AppError('bad_message', 'the new order must list every pad of the set exactly once');
    this.db.transaction(() => {
      padIds.forEach((id, position) => this.db.prepare(`UPDATE pads SET position = ? WHERE id = ?`).run(position, id));
    })();
    return this.getLibrary();
  }

  private clip(clipId: string): Clip {
    const row = this.db.prepare(`SELECT * FROM clips WHERE id = ?`).get(clipId) as ClipRow | undefined;
    if (!row) throw new AppError('not_found', 'no such clip');
    return toClip(row);
  }
}

function toClip(r: ClipRow): Clip {
  return { id: r.id, name: r.name, format: r.format, bytes: r.bytes, durationMs: r.duration_ms, peaks: JSON.parse(r.peaks) as number[], createdAt: r.created_at };
}

function toPad(r: PadRow): Pad {
  return {
    id: r.id,
    setId: r.set_id,
    clipId: r.clip_id,
    name: r.name,
    colour: r.colour,
    gainDb: r.gain_db,
    mode: r.mode,
    stopOthers: r.stop_others === 1,
    fadeInMs: r.fade_in_ms,
    fadeOutMs: r.fade_out_ms,
    hotkey: r.hotkey,
    position: r.position,
  };
}
