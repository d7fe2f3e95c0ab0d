import { describe, expect, it } from 'vitest';
import { openStudioDb } from './studioDb.js';
import { AudioRouting } from './audioRouting.js';
import { parseDevices, parseSubscribeLine, proplistArg } from './pulseAudio.js';
import { DEFAULT_PROFILE, matchDevices, type DeviceInventory } from '../../shared/devices.js';

const SOURCES = JSON.stringify([
  { index: 0, state: 'IDLE', name: 'speakers.monitor', description: 'Monitor of Speakers', owner_module: 1, sample_specification: 's16le 2ch 48000Hz', monitor_source: 'speakers', properties: { 'device.class': 'monitor' } },
  { index: 2, state: 'IDLE', name: 'pro_mic', description: 'Pro Mic', owner_module: 3, sample_specification: 's16le 1ch 48000Hz', monitor_source: '', properties: { 'device.class': 'filter', 'spaces_studio.owner': '42' } },
  { nonsense: true },
]);

describe('pactl parsing', () => {
  it('reads sinks/sources from JSON, skipping malformed entries', () => {
    const d = parseDevices(SOURCES);
    expect(d.map((x) => [x.name, x.channels, x.sampleRate, x.owner_module])).toEqual([
      ['speakers.monitor', 2, 48000, 1],
      ['pro_mic', 1, 48000, 3],
    ]);
    expect(d[1]!.props['spaces_studio.owner']).toBe('42');
  });

  it('reads subscribe lines', () => {
    expect(parseSubscribeLine("Event 'new' on source #5")).toEqual({ type: 'new', facility: 'source', index: 5 });
    expect(parseSubscribeLine("Event 'remove' on sink-input #12\n")).toEqual({ type: 'remove', facility: 'sink-input', index: 12 });
    expect(parseSubscribeLine('garbage')).toBeNull();
  });

  it('quotes proplists for modargs and refuses quote injection', () => {
    expect(proplistArg({ 'device.description': 'Spaces Studio Program', 'x.y': '1' })).toBe(`'device.description="Spaces Studio Program" x.y=1'`);
    expect(() => proplistArg({ a: `x' module-foo` })).toThrow();
  });
});

const inventory: DeviceInventory = {
  routing: { available: true, reason: null, server: 'PulseAudio 16.1', program: null, externalInput: null },
  devices: [
    { name: 'pro_mic', description: 'Pro Mic', kind: 'input', isDefault: false, studio: null, channels: 1, sampleRate: 48000 },
    { name: 'backup', description: 'Backup Mic', kind: 'input', isDefault: true, studio: null, channels: 1, sampleRate: 48000 },
    { name: 'speakers', description: 'Speakers', kind: 'output', isDefault: true, studio: null, channels: 2, sampleRate: 48000 },
    { name: 'speakers.monitor', description: 'Monitor of Speakers', kind: 'monitor', isDefault: false, studio: null, channels: 2, sampleRate: 48000 },
  ],
  defaultInput: 'backup',
  defaultOutput: 'speakers',
};

describe('matching browser devices to OS devices', () => {
  it('matches by label = description, same direction; default aliases map to the OS default', () => {
    const m = matchDevices(
      [
        { deviceId: 'default', kind: 'audioinput', label: 'Default' },
        { deviceId: 'a1', kind: 'audioinput', label: 'Pro Mic' },
        { deviceId: 'a2', kind: 'audioinput', label: 'Speakers' },
        { deviceId: 'o1', kind: 'audiooutput', label: 'Speakers' },
        { deviceId: 'v1', kind: 'videoinput', label: 'Pro Mic' },
      ],
      inventory,
    );
    expect(m.map((x) => x.os?.name ?? null)).toEqual(['backup', 'pro_mic', null, 'speakers', null]);
    expect(matchDevices([{ deviceId: 'a1', kind: 'audioinput', label: 'Pro Mic' }], null)[0]!.os).toBeNull();
  });
});

describe('AudioRouting without a sound server', () => {
  it('reports itself unavailable with the reason when pactl is missing', async () => {
    const db = openStudioDb(':memory:');
    const events: unknown[] = [];
    const r = new AudioRouting(db, (_e, p) => events.push(p), { pactl: '/nonexistent/pactl', retryMs: 0 });
    await r.start();
    const inv = await r.getDeviceInventory();
    expect(inv.routing.available).toBe(false);
    expect(inv.routing.reason).toMatch(/pactl is not installed/);
    expect(inv.devices).toEqual([]);
    expect(events.length).toBe(1);
    r.dispose();
  });

  it('reports no server when nothing listens on PULSE_SERVER', async () => {
    const db = openStudioDb(':memory:');
    const r = new AudioRouting(db, () => undefined, { env: { ...process.env, PULSE_SERVER: 'unix:/nonexistent/native' }, retryMs: 0 });
    await r.start();
    expect((await r.getDeviceInventory()).routing.reason).toMatch(/no PulseAudio\/PipeWire sound server/);
    r.dispose();
  });

  it('stores device profiles in the Studio database and reads them back after a restart', () => {
    const db = openStudioDb(':memory:');
    const r = new AudioRouting(db, () => undefined, { pactl: '/nonexistent/pactl', retryMs: 0 });
    expect(r.getDeviceProfile({ deviceKey: 'Pro Mic' }).profile).toBeNull();
    const profile = { ...DEFAULT_PROFILE, gainDb: 6, channel: 'in-2' as const, monitorMode: 'monitor-and-output' as const };
    r.saveDeviceProfile({ deviceKey: 'Pro Mic', profile });
    r.saveDeviceProfile({ deviceKey: 'Pro Mic', profile: { ...profile, gainDb: 7.5 } });
    const again = new AudioRouting(db, () => undefined, { pactl: '/nonexistent/pactl', retryMs: 0 });
    expect(again.getDeviceProfile({ deviceKey: 'Pro Mic' }).profile).toEqual({ ...profile, gainDb: 7.5 });
    db.prepare("UPDATE device_profiles SET profile = '{bad json' WHERE device_key = 'Pro Mic'").run();
    expect(again.getDeviceProfile({ deviceKey: 'Pro Mic' }).profile).toBeNull();
  });
});

describe('AudioRouting retries', () => {
  it('retries while no server is reachable, without an event per failed retry', async () => {
    const db = openStudioDb(':memory:');
    const events: unknown[] = [];
    const r = new AudioRouting(db, (_e, p) => events.push(p), { env: { ...process.env, PULSE_SERVER: 'unix:/nonexistent/native' }, retryMs: 20 });
    await r.start();
    await new Promise((res) => setTimeout(res, 150));
    expect(events.length).toBe(1);
    r.dispose();
  });
});
