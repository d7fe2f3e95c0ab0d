import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import {
  DeviceProfile,
  EXTERNAL_SINK,
  EXTERNAL_SINK_DESCRIPTION,
  EXTERNAL_SOURCE,
  EXTERNAL_SOURCE_DESCRIPTION,
  PROGRAM_DESCRIPTION,
  PROGRAM_SINK,
  type DeviceChange,
  type DeviceInventory,
  type OsDevice,
  type RoutingStatus,
} from '../../shared/devices.js';
import type { IpcEventName, IpcEventPayload, IpcParsedRequest, IpcResponse } from '../../shared/ipc.js';
import { PactlError, PulseAudio, proplistArg, type PaDevice, type PulseOptions } from './pulseAudio.js';

type Emit = <K extends IpcEventName>(event: K, payload: IpcEventPayload<K>) => void;

/** Properties that mark a sink/source as ours, so a later start can find crash leftovers. */
export const OWNER_PROP = 'spaces_studio.owner';
export const INSTANCE_PROP = 'spaces_studio.instance';
export const ROLE_PROP = 'spaces_studio.role';

export interface AudioRoutingOptions extends PulseOptions {
  /** Create the virtual devices (default true). */
  virtualDevices?: boolean;
  /** How often to retry when the sound server is gone (default 3 s; 0 = never). */
  retryMs?: number;
  /** Coalesces bursts of pactl events (default 60 ms). */
  debounceMs?: number;
  /** Checks whether a pid is alive (tests); default process.kill(pid, 0). */
  isAlive?: (pid: number) => boolean;
}

function defaultIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const UNAVAILABLE_OTHER_OS = (platform: string): string =>
  `audio routing needs PulseAudio or PipeWire (Linux); on ${platform} use the system's own device settings or a tool like Loopback/VB-Cable`;

/**
 * The Studio's local audio routing (main process): the OS device inventory with hot-plug events,
 * the virtual "Spaces Studio Program" output and the external input, per-device profiles in the
 * Studio database, and cleanup of devices a crashed Studio left behind.
 */
export class AudioRouting {
  private readonly pulse: PulseAudio;
  private readonly instance = randomBytes(6).toString('hex');
  private readonly ownerPid = String(process.pid);
  private status: RoutingStatus = { available: false, reason: 'starting', server: null, program: null, externalInput: null };
  private devices: OsDevice[] = [];
  private defaults = { input: null as string | null, output: null as string | null };
  /** Modules we loaded, in load order (unloaded in reverse). */
  private modules: number[] = [];
  private sub?: { stop(): void };
  private refreshTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private disposed = false;
  private starting?: Promise<void>;
  private readonly isAlive: (pid: number) => boolean;

  constructor(
    private readonly db: Database.Database,
    private readonly emit: Emit,
    private readonly opts: AudioRoutingOptions = {},
  ) {
    this.pulse = new PulseAudio(opts);
    this.isAlive = opts.isAlive ?? defaultIsAlive;
  }

  /** Connects to the sound server, cleans leftovers, creates the virtual devices, starts watching. */
  start(): Promise<void> {
    this.starting ??= this.connect().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Resolves once the current start attempt has finished (tests, the first IPC call). */
  async ready(): Promise<void> {
    await this.starting;
  }

  inventory(): DeviceInventory {
    return { routing: this.status, devices: this.devices, defaultInput: this.defaults.input, defaultOutput: this.defaults.output };
  }

  // IPC calls -------------------------------------------------------------------------------

  async getDeviceInventory(): Promise<IpcResponse<'getDeviceInventory'>> {
    await this.ready();
    return this.inventory();
  }

  getDeviceProfile(req: IpcParsedRequest<'getDeviceProfile'>): IpcResponse<'getDeviceProfile'> {
    const row = this.db.prepare('SELECT profile FROM device_profiles WHERE device_key = ?').get(req.deviceKey) as { profile: string } | undefined;
    let profile: DeviceProfile | null = null;
    if (row) {
      try {
        const parsed = DeviceProfile.safeParse(JSON.parse(row.profile));
        profile = parsed.success ? parsed.data : null;
      } catch {
        profile = null; // a damaged row reads as "no profile"; the next save replaces it
      }
    }
    return { deviceKey: req.deviceKey, profile };
  }

  saveDeviceProfile(req: IpcParsedRequest<'saveDeviceProfile'>): IpcResponse<'saveDeviceProfile'> {
    this.db
      .prepare(
        `INSERT INTO device_profiles (device_key, profile, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(device_key) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at`,
      )
      .run(req.deviceKey, JSON.stringify(req.profile), Date.now());
    return { deviceKey: req.deviceKey, profile: req.profile };
  }

  // Lifecycle ---------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    if (this.disposed) return;
    if (process.platform !== 'linux' && !this.opts.pactl) {
      this.setUnavailable(UNAVAILABLE_OTHER_OS(process.platform), false);
      return;
    }
    try {
      const info = await this.pulse.info();
      if (this.disposed) return;
      await this.cleanLeftovers();
      if (this.opts.virtualDevices !== false) await this.createVirtualDevices();
      if (this.disposed) return this.unloadOwnSync();
      this.status = {
        available: true,
        reason: null,
        server: describeServer(info.server_name, info.server_version),
        program: this.modules.length ? { sink: PROGRAM_SINK, monitor: `${PROGRAM_SINK}.monitor`, description: PROGRAM_DESCRIPTION } : null,
        externalInput: this.modules.length
          ? { sink: EXTERNAL_SINK, sinkDescription: EXTERNAL_SINK_DESCRIPTION, source: EXTERNAL_SOURCE, sourceDescription: EXTERNAL_SOURCE_DESCRIPTION }
          : null,
      };
      this.watch();
      await this.refresh();
    } catch (err) {
      const e = err instanceof PactlError ? err : new PactlError((err as Error).message, 'failed');
      this.unloadOwnSync();
      this.setUnavailable(e.message, e.code !== 'not_installed');
    }
  }

  private setUnavailable(reason: string, retry: boolean): void {
    const changed = this.status.available || this.status.reason !== reason || this.devices.length > 0;
    this.status = { available: false, reason, server: null, program: null, externalInput: null };
    const before = this.devices;
    this.devices = [];
    this.defaults = { input: null, output: null };
    // Retries that fail the same way stay quiet (no event every few seconds on machines without a server).
    if (changed) this.emit('onDeviceInventory', { ...this.inventory(), changes: before.map((device) => ({ change: 'removed', device })) });
    const retryMs = this.opts.retryMs ?? 3000;
    if (retry && retryMs > 0 && !this.disposed) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => void this.start(), retryMs);
      this.retryTimer.unref?.();
    }
  }

  /** Unloads sinks/sources a Studio that is no longer running left behind (e.g. after SIGKILL). */
  private async cleanLeftovers(): Promise<number> {
    const all = [...(await this.pulse.sources()), ...(await this.pulse.sinks())];
    const stale = new Set<number>();
    const busy: string[] = [];
    for (const d of all) {
      const owner = d.props[OWNER_PROP];
      if (owner === undefined) continue;
      const module = Number(d.owner_module);
      if (!Number.isInteger(module) || module < 0) continue;
      const pid = Number(owner);
      const mine = owner === this.ownerPid && d.props[INSTANCE_PROP] === this.instance;
      if (mine) continue;
      const ownerGone = owner === this.ownerPid || !Number.isInteger(pid) || pid <= 0 || !this.isAlive(pid);
      if (ownerGone) stale.add(module);
      else busy.push(`${d.name} (pid ${pid})`);
    }
    // Remap sources before the sinks they read from.
    for (const module of [...stale].sort((a, b) => b - a)) await this.pulse.unloadModule(module).catch(() => undefined);
    if (busy.length) throw new PactlError(`another Spaces Studio is running and owns the virtual devices: ${busy.join(', ')}`, 'failed');
    return stale.size;
  }

  private async createVirtualDevices(): Promise<void> {
    const tag = (role: string, description: string): string =>
      proplistArg({ 'device.description': description, [OWNER_PROP]: this.ownerPid, [INSTANCE_PROP]: this.instance, [ROLE_PROP]: role, 'device.icon_name': 'audio-card' });
    const load = async (name: string, args: string[]): Promise<void> => {
      this.modules.push(await this.pulse.loadModule(name, args));
    };
    await load('module-null-sink', [`sink_name=${PROGRAM_SINK}`, 'rate=48000', 'channels=2', `sink_properties=${tag('program', PROGRAM_DESCRIPTION)}`]);
    await load('module-null-sink', [`sink_name=${EXTERNAL_SINK}`, 'rate=48000', 'channels=2', `sink_properties=${tag('external-sink', EXTERNAL_SINK_DESCRIPTION)}`]);
    await load('module-remap-source', [
      `source_name=${EXTERNAL_SOURCE}`,
      `master=${EXTERNAL_SINK}.monitor`,
      'channels=2',
      `source_properties=${tag('external-source', EXTERNAL_SOURCE_DESCRIPTION)}`,
    ]);
  }

  private watch(): void {
    this.sub?.stop();
    this.sub = this.pulse.subscribe(
      (e) => {
        if (e.facility === 'sink' || e.facility === 'source' || e.facility === 'server') this.scheduleRefresh();
      },
      (reason) => {
        if (this.disposed) return;
        this.sub = undefined;
        this.modules = []; // the server is gone, and our modules with it
        this.setUnavailable(`the sound server went away (${reason})`, true);
      },
    );
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh().catch(() => undefined), this.opts.debounceMs ?? 60);
  }

  /** Re-reads the inventory; emits it with what was added/removed when anything changed. */
  async refresh(): Promise<void> {
    if (!this.status.available || this.disposed) return;
    const [info, sinks, sources] = await Promise.all([this.pulse.info(), this.pulse.sinks(), this.pulse.sources()]);
    if (this.disposed) return;
    const devices = [...sources.map((s) => toOsDevice(s, 'source', info.default_source_name)), ...sinks.map((s) => toOsDevice(s, 'sink', info.default_sink_name))];
    const defaults = { input: info.default_source_name ?? null, output: info.default_sink_name ?? null };
    const key = (d: OsDevice): string => `${d.kind}:${d.name}`;
    const before = new Map(this.devices.map((d) => [key(d), d]));
    const after = new Map(devices.map((d) => [key(d), d]));
    const changes: DeviceChange[] = [
      ...devices.filter((d) => !before.has(key(d))).map((device) => ({ change: 'added' as const, device })),
      ...this.devices.filter((d) => !after.has(key(d))).map((device) => ({ change: 'removed' as const, device })),
    ];
    const same = changes.length === 0 && defaults.input === this.defaults.input && defaults.output === this.defaults.output && JSON.stringify(devices) === JSON.stringify(this.devices);
    this.devices = devices;
    this.defaults = defaults;
    if (!same) this.emit('onDeviceInventory', { ...this.inventory(), changes });
  }

  /** Removes our virtual devices and stops watching. Synchronous: it runs from will-quit. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.refreshTimer);
    clearTimeout(this.retryTimer);
    this.sub?.stop();
    this.unloadOwnSync();
  }

  private unloadOwnSync(): void {
    for (const m of this.modules.reverse()) {
      try {
        this.pulse.unloadModuleSync(m);
      } catch {
        // already gone (server restarted, or someone unloaded it)
      }
    }
    this.modules = [];
  }
}

function describeServer(name: string, version: string): string {
  const pw = /PipeWire ([\d.]+)/i.exec(name);
  if (pw) return `PulseAudio (on PipeWire ${pw[1]})`;
  return /pulseaudio/i.test(name) ? `PulseAudio ${version}`.trim() : `${name} ${version}`.trim();
}

function toOsDevice(d: PaDevice, facility: 'sink' | 'source', defaultName: string | null): OsDevice {
  const isMonitor = facility === 'source' && (d.props['device.class'] === 'monitor' || (d.monitor_source !== undefined && d.monitor_source !== ''));
  const role = d.props[ROLE_PROP];
  return {
    name: d.name,
    description: d.description || d.props['device.description'] || d.name,
    kind: facility === 'sink' ? 'output' : isMonitor ? 'monitor' : 'input',
    isDefault: d.name === defaultName,
    studio: role === 'program' || role === 'external-sink' || role === 'external-source' ? role : null,
    channels: d.channels,
    sampleRate: d.sampleRate,
  };
}
