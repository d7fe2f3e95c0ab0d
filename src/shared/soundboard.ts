import { z } from 'zod';

/**
 * The broadcast console's soundboard library (issue 4): the Studio IPC for clips and pad sets.
 * Clips are copied into the Studio's data folder and described in its SQLite database by the
 * main process; the renderer decodes and plays them. Merged into ipc.ts by spreading.
 */

export const CLIP_FORMATS = ['wav', 'mp3', 'ogg', 'flac'] as const;
export const ClipFormat = z.enum(CLIP_FORMATS);
export type ClipFormat = z.infer<typeof ClipFormat>;
/** Largest clip accepted, in bytes (a few minutes of music quality). */
export const MAX_CLIP_BYTES = 25 * 1024 * 1024;

export const ClipId = z.string().regex(/^c_[A-Za-z0-9_-]{12}$/, 'malformed clip id');
export const SetId = z.string().regex(/^s_[A-Za-z0-9_-]{12}$/, 'malformed set id');
export const PadId = z.string().regex(/^p_[A-Za-z0-9_-]{12}$/, 'malformed pad id');

export const Clip = z.object({
  id: ClipId,
  name: z.string(),
  format: ClipFormat,
  bytes: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative(),
  /** Peak per bucket (0..1), for drawing the waveform. */
  peaks: z.array(z.number().min(0).max(1)).max(200),
  createdAt: z.number().int(),
});
export type Clip = z.infer<typeof Clip>;

export const PadMode = z.enum(['one-shot', 'toggle', 'loop']);
export type PadMode = z.infer<typeof PadMode>;

const Colour = z.string().regex(/^#[0-9a-f]{6}$/i, 'a colour is #rrggbb');
/** A key the pad answers to while the window has focus: one letter or digit. */
export const PadKey = z.string().regex(/^[a-z0-9]$/, 'a hotkey is one letter or digit').nullable();

export const Pad = z.object({
  id: PadId,
  setId: SetId,
  clipId: ClipId,
  name: z.string().trim().min(1).max(40),
  colour: Colour,
  gainDb: z.number().min(-60).max(12),
  mode: PadMode,
  stopOthers: z.boolean(),
  fadeInMs: z.number().int().min(0).max(10_000),
  fadeOutMs: z.number().int().min(0).max(10_000),
  hotkey: PadKey,
  position: z.number().int().nonnegative(),
});
export type Pad = z.infer<typeof Pad>;

export const PadSet = z.object({ id: SetId, name: z.string(), pads: z.array(Pad) });
export type PadSet = z.infer<typeof PadSet>;

export const Library = z.object({ clips: z.array(Clip), sets: z.array(PadSet) });
export type Library = z.infer<typeof Library>;

const SetName = z.string().trim().min(1, 'a set needs a name').max(60);

export const soundboardIpcCalls = {
  getLibrary: { channel: 'soundboard:library', request: z.object({}).strict(), response: Library },
  /**
   * Imports a clip the renderer has decoded (duration, waveform); the main process checks the
   * bytes again, copies them into the data folder and records the clip. All or nothing.
   */
  importClip: {
    channel: 'soundboard:import',
    request: z
      .object({
        fileName: z.string().min(1).max(255),
        dataBase64: z.string().max(Math.ceil(MAX_CLIP_BYTES / 3) * 4 + 4),
        durationMs: z.number().int().positive().max(3_600_000),
        peaks: z.array(z.number().min(0).max(1)).max(200),
      })
      .strict(),
    response: Clip,
  },
  deleteClip: { channel: 'soundboard:delete-clip', request: z.object({ clipId: ClipId }).strict(), response: Library },
  readClip: { channel: 'soundboard:read-clip', request: z.object({ clipId: ClipId }).strict(), response: z.object({ dataBase64: z.string() }) },
  createSet: { channel: 'soundboard:create-set', request: z.object({ name: SetName }).strict(), response: Library },
  renameSet: { channel: 'soundboard:rename-set', request: z.object({ setId: SetId, name: SetName }).strict(), response: Library },
  deleteSet: { channel: 'soundboard:delete-set', request: z.object({ setId: SetId }).strict(), response: Library },
  /** Creates a pad (no id) or updates one. */
  savePad: { channel: 'soundboard:save-pad', request: Pad.omit({ id: true, position: true }).extend({ id: PadId.optional() }).strict(), response: Library },
  deletePad: { channel: 'soundboard:delete-pad', request: z.object({ padId: PadId }).strict(), response: Library },
  /** The set's pads in their new order (drag and drop). */
  /**
   * Desktop app: pad hotkeys also work while another application has focus, as Alt+Shift+key.
   * Where that is not possible (browser mode), says why.
   */
  setGlobalPadKeys: {
    channel: 'soundboard:global-keys',
    request: z.object({ keys: z.array(PadKey.unwrap()).max(36) }).strict(),
    /** `desktop`: global keys are possible here; `taken`: keys another application holds; `reason` in English (logs). */
    response: z.object({ registered: z.array(z.string()), desktop: z.boolean(), taken: z.array(z.string()), reason: z.string().nullable() }),
  },
  reorderPads: { channel: 'soundboard:reorder', request: z.object({ setId: SetId, padIds: z.array(PadId).max(256) }).strict(), response: Library },
} as const;

export const soundboardIpcEvents = {
  /** Desktop app: a global pad shortcut was pressed while another app had focus. */
  onGlobalPadKey: { channel: 'event:global-pad-key', payload: z.object({ key: PadKey.unwrap() }) },
} as const;
