import { z } from 'zod';

/**
 * Local audio-device routing (issue 5): the Studio IPC for the device inventory, virtual devices
 * and per-device profiles. Merged into ipc.ts by spreading.
 *
 * The main process knows the OS devices (PulseAudio / PipeWire through pactl); the renderer knows
 * the browser's list (enumerateDevices). They meet on the device's description, which is the
 * label Chromium shows for a PulseAudio device: see `matchDevices`.
 */

/** Names of the Studio's own virtual devices (fixed, so a DAW/OBS setup survives restarts). */
export const PROGRAM_SINK = 'spaces_studio_program';
export const PROGRAM_DESCRIPTION = 'Spaces Studio Program';
export const EXTERNAL_SINK = 'spaces_studio_external';
export const EXTERNAL_SINK_DESCRIPTION = 'Spaces Studio External Input';
export const EXTERNAL_SOURCE = 'spaces_studio_external_capture';
export const EXTERNAL_SOURCE_DESCRIPTION = 'Spaces Studio External Capture';

const Name = z.string().max(512);

export const OsDevice = z.object({
  /** The OS name (PulseAudio sink/source name): stable across re-plugs of the same device. */
  name: Name,
  /** What people (and Chromium's device labels) call it. */
  description: Name,
  /** input = a source you can capture; output = a sink; monitor = what a sink plays, capturable by recorders. */
  kind: z.enum(['input', 'output', 'monitor']),
  isDefault: z.boolean(),
  /** One of the Studio's own virtual devices. */
  studio: z.enum(['program', 'external-sink', 'external-source']).nullable(),
  channels: z.number().int().nonnegative(),
  sampleRate: z.number().int().nonnegative(),
});
export type OsDevice = z.infer<typeof OsDevice>;

export const RoutingStatus = z.object({
  /** Routing through the OS (virtual devices, hot-plug events) works on this machine. */
  available: z.boolean(),
  /** Why not, in words for the user (null when available). */
  reason: z.string().nullable(),
  /** e.g. "PulseAudio 16.1" or "PulseAudio (on PipeWire 1.0.5)". */
  server: z.string().nullable(),
  /** The program output: the sink the renderer plays the program into; record its monitor. */
  program: z.object({ sink: Name, monitor: Name, description: Name }).nullable(),
  /** The virtual input: other apps play into `sink`; the Studio captures `source`. */
  externalInput: z.object({ sink: Name, sinkDescription: Name, source: Name, sourceDescription: Name }).nullable(),
});
export type RoutingStatus = z.infer<typeof RoutingStatus>;

export const DeviceInventory = z.object({
  routing: RoutingStatus,
  devices: z.array(OsDevice),
  defaultInput: Name.nullable(),
  defaultOutput: Name.nullable(),
});
export type DeviceInventory = z.infer<typeof DeviceInventory>;

export const DeviceChange = z.object({ change: z.enum(['added', 'removed']), device: OsDevice });
export type DeviceChange = z.infer<typeof DeviceChange>;

/**
 * How the Studio treats one input device (the input strip's settings without the device):
 * saved by main, re-applied by the renderer when the device comes back.
 */
export const DeviceProfile = z
  .object({
    gainDb: z.number().min(-60).max(40),
    /** Which channel(s) of a multichannel interface carry the voice: all mixed, one, or a stereo pair. */
    channel: z.union([z.literal('mix'), z.templateLiteral(['in-', z.number().int().min(1).max(64)]), z.templateLiteral(['pair-', z.number().int().min(1).max(64)])]),
    echoCancellation: z.boolean(),
    noiseSuppression: z.boolean(),
    autoGainControl: z.boolean(),
    /** As in OBS: off = broadcast only, monitor-only = headphones only, monitor-and-output = both. */
    monitorMode: z.enum(['off', 'monitor-only', 'monitor-and-output']),
  })
  .strict();
export type DeviceProfile = z.infer<typeof DeviceProfile>;

export const DEFAULT_PROFILE: DeviceProfile = {
  gainDb: 0,
  channel: 'mix',
  echoCancellation: false,
  noiseSuppression: false,
  autoGainControl: false,
  monitorMode: 'off',
};

/** Profiles are keyed by the device's label (its OS description): what both processes know. */
const DeviceKey = z.string().min(1).max(512);

export const deviceIpcCalls = {
  getDeviceInventory: { channel: 'devices:inventory', request: z.object({}).strict(), response: DeviceInventory },
  getDeviceProfile: {
    channel: 'devices:profile-get',
    request: z.object({ deviceKey: DeviceKey }).strict(),
    response: z.object({ deviceKey: DeviceKey, profile: DeviceProfile.nullable() }),
  },
  saveDeviceProfile: {
    channel: 'devices:profile-save',
    request: z.object({ deviceKey: DeviceKey, profile: DeviceProfile }).strict(),
    response: z.object({ deviceKey: DeviceKey, profile: DeviceProfile }),
  },
} as const;

export const deviceIpcEvents = {
  /** The inventory changed (hot-plug, default changed, routing became (un)available). */
  onDeviceInventory: { channel: 'event:device-inventory', payload: DeviceInventory.extend({ changes: z.array(DeviceChange) }) },
} as const;

/** The part of a browser MediaDeviceInfo the matching needs. */
export interface BrowserDevice {
  deviceId: string;
  kind: string;
  label: string;
}

export interface MatchedDevice<B extends BrowserDevice = BrowserDevice> {
  browser: B;
  os: OsDevice | null;
}

/**
 * Pairs the browser's devices with the OS's: same direction, label equal to the description
 * (Chromium labels PulseAudio devices by description). The browser's "default" and
 * "communications" aliases map to the OS default. Unmatched devices keep `os: null`.
 */
export function matchDevices<B extends BrowserDevice>(browser: readonly B[], inventory: DeviceInventory | null): MatchedDevice<B>[] {
  return browser.map((b) => {
    if (!inventory || (b.kind !== 'audioinput' && b.kind !== 'audiooutput')) return { browser: b, os: null };
    const kind = b.kind === 'audioinput' ? 'input' : 'output';
    const candidates = inventory.devices.filter((d) => d.kind === kind);
    if (b.deviceId === 'default' || b.deviceId === 'communications') {
      const name = kind === 'input' ? inventory.defaultInput : inventory.defaultOutput;
      return { browser: b, os: candidates.find((d) => d.name === name) ?? null };
    }
    const label = b.label.trim();
    return { browser: b, os: candidates.find((d) => d.description === label) ?? candidates.find((d) => d.name === label) ?? null };
  });
}
