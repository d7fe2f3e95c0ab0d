import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './stack.js';

const run = promisify(execFile);

/**
 * A private PulseAudio daemon for one test file: its own runtime dir, config and HOME (nothing
 * touches the machine's real audio setup), 48 kHz, no hardware modules. Started with -D and
 * stopped (pactl exit, then SIGKILL of its pid if needed) by `stop()`.
 */
export interface TestPulse {
  /** PULSE_SERVER value for clients (pactl, parec, Chromium, the Studio's routing service). */
  readonly server: string;
  /** Environment for PulseAudio clients started by the test. */
  readonly env: Record<string, string>;
  readonly dir: string;
  pactl(...args: string[]): Promise<string>;
  /** Loads a null sink + a remap source over its monitor: a stand-in for a pro interface's input. */
  addInput(name: string, description: string): Promise<{ sinkModule: number; sourceModule: number; feed: string; source: string }>;
  /** Plays a WAV into a sink over and over until the returned stop function is called. */
  loop(sink: string, wav: string): () => void;
  /** Records `seconds` of a source (e.g. a sink's monitor) as 48 kHz mono s16le. */
  record(source: string, seconds: number): Promise<Float32Array>;
  stop(): Promise<void>;
}

export async function startTestPulse(): Promise<TestPulse> {
  const dir = tempDir('pulse');
  const runtime = join(dir, 'run');
  const pulseRuntime = join(runtime, 'pulse');
  const home = join(dir, 'home');
  mkdirSync(pulseRuntime, { recursive: true, mode: 0o700 });
  mkdirSync(join(home, '.config', 'pulse'), { recursive: true });
  const socket = join(pulseRuntime, 'native');
  writeFileSync(join(home, '.config', 'pulse', 'daemon.conf'), 'default-sample-rate = 48000\nalternate-sample-rate = 48000\n');
  writeFileSync(join(home, '.config', 'pulse', 'client.conf'), 'autospawn = no\n');
  writeFileSync(
    join(dir, 'studio.pa'),
    [
      `load-module module-native-protocol-unix auth-anonymous=1 socket=${socket}`,
      // Somewhere for streams to go by default (the Studio's monitor, the listener's playback).
      'load-module module-null-sink sink_name=speakers rate=48000 sink_properties=device.description=Speakers',
      'set-default-sink speakers',
      '',
    ].join('\n'),
  );
  const env: Record<string, string> = {
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    PULSE_RUNTIME_PATH: pulseRuntime,
    PULSE_SERVER: `unix:${socket}`,
    PULSE_CLIENTCONFIG: join(home, '.config', 'pulse', 'client.conf'),
  };
  execFileSync(
    'pulseaudio',
    ['-D', '-n', '-F', join(dir, 'studio.pa'), '--exit-idle-time=-1', '--use-pid-file=yes', `--log-target=file:${join(dir, 'pulse.log')}`],
    { env: { ...process.env, ...env }, stdio: 'ignore' },
  );
  const pidFile = join(pulseRuntime, 'pid');
  const started = Date.now();
  while (!existsSync(socket) || !existsSync(pidFile)) {
    if (Date.now() - started > 10_000) throw new Error(`PulseAudio did not start (log: ${join(dir, 'pulse.log')})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const loops = new Set<() => void>();
  const clientEnv = { ...process.env, ...env };

  const pulse: TestPulse = {
    server: env.PULSE_SERVER!,
    env,
    dir,
    async pactl(...args) {
      return (await run('pactl', args, { env: clientEnv })).stdout.trim();
    },
    async addInput(name, description) {
      const feed = `${name}_feed`;
      const sinkModule = Number(await pulse.pactl('load-module', 'module-null-sink', `sink_name=${feed}`, 'rate=48000', 'channels=1', `sink_properties=device.description=${description.replace(/ /g, '_')}_Feed`));
      const sourceModule = Number(
        await pulse.pactl('load-module', 'module-remap-source', `source_name=${name}`, `master=${feed}.monitor`, 'channels=1', `source_properties='device.description="${description}"'`),
      );
      return { sinkModule, sourceModule, feed, source: name };
    },
    loop(sink, wav) {
      let stopped = false;
      let child: ChildProcess | undefined;
      const next = (): void => {
        if (stopped) return;
        child = spawn('paplay', ['-d', sink, wav], { env: clientEnv, stdio: 'ignore' });
        child.on('exit', () => setTimeout(next, 0));
      };
      next();
      const stop = (): void => {
        stopped = true;
        child?.kill('SIGKILL');
        loops.delete(stop);
      };
      loops.add(stop);
      return stop;
    },
    async record(source, seconds) {
      // head -c stops parec cleanly (a signal would lose its buffer).
      const bytes = Math.round(seconds * 48000) * 2;
      const { stdout } = await run('bash', ['-c', `parec -d '${source}' --raw --format=s16le --rate=48000 --channels=1 --latency-msec=20 | head -c ${bytes}`], {
        env: clientEnv,
        encoding: 'buffer',
        maxBuffer: bytes + 1024,
      });
      const buf = stdout as unknown as Buffer;
      const out = new Float32Array(Math.floor(buf.length / 2));
      for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(2 * i) / 32768;
      return out;
    },
    async stop() {
      for (const stop of [...loops]) stop();
      await run('pactl', ['exit'], { env: clientEnv }).catch(() => undefined);
      const until = Date.now() + 3000;
      while (isAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return pulse;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
