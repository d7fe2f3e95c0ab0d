import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { openStudioDb } from '../../src/main/services/studioDb.js';
import { AudioRouting } from '../../src/main/services/audioRouting.js';
import { PROGRAM_SINK, EXTERNAL_SINK, EXTERNAL_SOURCE, type DeviceInventory } from '../../src/shared/devices.js';
import { startTestPulse, type TestPulse } from '../support/pulse.js';

/**
 * The routing service against a real PulseAudio daemon: virtual devices appear, hot-plug events
 * arrive, devices go away on dispose, and a SIGKILLed service's leftovers are cleaned at the next start.
 */
describe('audio routing: virtual devices, hot-plug, crash cleanup', () => {
  let pulse: TestPulse;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, ...pulse.env });
  const ours = async (): Promise<string[]> => {
    const names = (await pulse.pactl('list', 'short', 'sinks')) + '\n' + (await pulse.pactl('list', 'short', 'sources'));
    return names
      .split('\n')
      .map((l) => l.split('\t')[1] ?? '')
      .filter((n) => n.startsWith('spaces_studio'))
      .sort();
  };
  const ALL = [EXTERNAL_SINK, `${EXTERNAL_SINK}.monitor`, EXTERNAL_SOURCE, PROGRAM_SINK, `${PROGRAM_SINK}.monitor`].sort();

  beforeAll(async () => {
    pulse = await startTestPulse();
  });
  afterAll(async () => {
    await pulse?.stop();
  });

  it('creates the virtual devices, lists the inventory, reports hot-plug, removes them on dispose', async () => {
    const events: (DeviceInventory & { changes: { change: string; device: { name: string } }[] })[] = [];
    const routing = new AudioRouting(openStudioDb(':memory:'), (_e, p) => events.push(p as never), { env: env(), retryMs: 0 });
    await routing.start();
    const inv = await routing.getDeviceInventory();
    expect(inv.routing).toMatchObject({ available: true, reason: null, program: { sink: PROGRAM_SINK, monitor: `${PROGRAM_SINK}.monitor` } });
    expect(inv.routing.server).toMatch(/PulseAudio/);
    expect(await ours()).toEqual(ALL);
    const program = inv.devices.find((d) => d.name === PROGRAM_SINK);
    expect(program).toMatchObject({ kind: 'output', description: 'Spaces Studio Program', studio: 'program' });
    expect(inv.devices.find((d) => d.name === `${PROGRAM_SINK}.monitor`)?.kind).toBe('monitor');
    expect(inv.devices.find((d) => d.name === EXTERNAL_SOURCE)).toMatchObject({ kind: 'input', studio: 'external-source' });
    expect(inv.defaultOutput).toBe('speakers');

    // Hot-plug: a new input appears, then goes away.
    const mic = await pulse.addInput('usb_mic', 'USB Mic');
    await expect.poll(() => events.some((e) => e.changes.some((c) => c.change === 'added' && c.device.name === 'usb_mic')), { timeout: 5000 }).toBe(true);
    expect(routing.inventory().devices.some((d) => d.name === 'usb_mic' && d.kind === 'input' && d.description === 'USB Mic')).toBe(true);
    await pulse.pactl('unload-module', String(mic.sourceModule));
    await expect.poll(() => events.some((e) => e.changes.some((c) => c.change === 'removed' && c.device.name === 'usb_mic')), { timeout: 5000 }).toBe(true);
    await pulse.pactl('unload-module', String(mic.sinkModule));

    routing.dispose();
    expect(await ours()).toEqual([]);
  });

  it('SIGKILL the service, start again: no virtual device is left behind', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/routingChild.ts'], { env: env(), stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`routing child exited (${code})`)));
    });
    expect((JSON.parse(line) as DeviceInventory).routing.available).toBe(true);
    expect(await ours()).toEqual(ALL);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    // The crash left the devices behind (nothing ran at exit).
    expect(await ours()).toEqual(ALL);
    const owners = await pulse.pactl('list', 'sinks');
    expect(owners).toContain(`spaces_studio.owner = "${child.pid}"`);

    // The next start finds them by their tag, unloads them, and creates its own (exactly one set).
    const routing = new AudioRouting(openStudioDb(':memory:'), () => undefined, { env: env(), retryMs: 0 });
    await routing.start();
    expect(routing.inventory().routing.available).toBe(true);
    expect(await ours()).toEqual(ALL);
    const after = await pulse.pactl('list', 'sinks');
    expect(after).not.toContain(`spaces_studio.owner = "${child.pid}"`);
    expect(after).toContain(`spaces_studio.owner = "${process.pid}"`);
    routing.dispose();
    expect(await ours()).toEqual([]);
  });

  it('a second running Studio does not steal the devices of a live one', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/routingChild.ts'], { env: env(), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
    const routing = new AudioRouting(openStudioDb(':memory:'), () => undefined, { env: env(), retryMs: 0 });
    await routing.start();
    expect(routing.inventory().routing.available).toBe(false);
    expect(routing.inventory().routing.reason).toMatch(/another Spaces Studio is running/);
    routing.dispose();
    expect(await ours()).toEqual(ALL);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM'); // a clean quit removes its devices
    await exited;
    expect(await ours()).toEqual([]);
  });
});
